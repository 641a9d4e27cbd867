#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What an instance allocates per buffer is charged to the memory cgroup of
# the task that registers it: a struct net_iov (48 bytes), a user
# reference count and a freelist slot (4 each), and for user memory the
# array of its pinned pages (8 per page). A sink registers a 4 MiB and
# then a 512 MiB area of 4 KiB buffers, each in a fresh cgroup; the
# difference of their kernel charges must cover at least 60 bytes for
# each of the 130048 buffers more. 512 MiB keeps the large arrays exact
# (vmalloc, or kmalloc of a power of two); 60, not 64, leaves room for
# the small area's rounded-up kmallocs. An array charged to nobody takes
# 8 to 48 bytes off: 6.12 pins the pages into an uncharged array. The
# areas are on huge pages (-H): 4 KiB buffers all the same, without the
# 131072 page faults that took a minute under TCG.
source "$(dirname "$0")/../lib/zcrx.sh"
source "$(dirname "$0")/../lib/memcg.sh"

SINK=$LN_TOP/build/tools/zcrx-sink
# bytes per buffer at least, of the 64 charged (see above)
PER_BUFFER=60

ktap_plan 1
if ! why=$(memcg_ready); then
	ktap_skip "per-buffer arrays charged to the registering cgroup" "$why"
	ktap_finish
fi
zc_setup
zc_hugepages 258 || { ktap_result 1 "huge pages for the areas"; ktap_finish; }

# charge NAME AREA: $charged, the kernel bytes charged to a fresh cgroup
# while a sink with an AREA area of 4 KiB buffers listens
charge() {
	local cg=$MEMCG_ROOT/$1 out=$zc_tmp/$1

	memcg_run "$cg" ip netns exec "$LN_NS_B" "$SINK" -i "$LN_DEV_B" \
		-q $ZC_QUEUE -p $ZC_PORT -A "$2" -H -r 4096 -n 1 > "$out" 2>&1 ||
		return 1
	if ! ln_wait 60 grep -q listening "$out"; then
		kill $memcg_pid 2> /dev/null
		ktap_info "the sink did not start: $(cat "$out")"
		return 1
	fi
	charged=$(memcg_kernel "$cg" | awk '{ print $1 + $2 + $3 }')
	kill -INT $memcg_pid
	zc_reap $memcg_pid 30
	ln_wait 30 zc_provider_gone ||
		ktap_info "the instance of $1 has not let go of the queue"
	rmdir "$cg"
}

rc=0
charge zcrx-memcg-s 4M && small=$charged || rc=1
[ $rc = 0 ] && charge zcrx-memcg-l 512M && large=$charged || rc=1
if [ $rc = 0 ]; then
	buffers=$(((512 - 4) << 20 >> 12))
	ktap_info "charged $small B for 4 MiB, $large B for 512 MiB:" \
		"$(((large - small) / buffers)) B per buffer more"
	[ $((large - small)) -ge $((buffers * PER_BUFFER)) ] || rc=1
fi
ktap_result $rc "an instance's per-buffer arrays are charged to the registering task's memory cgroup"
ktap_finish
