# SPDX-License-Identifier: GPL-2.0
#
# Shared by the tests in tests/zcrx/: a loopnic pair set up the way a user
# sets up a physical NIC for zero-copy receive (tcp-data-split on, an ntuple
# rule steering ZC_PORT to the bound queue ZC_QUEUE), and helpers to run
# tests/tools/zcrx_rx against tests/tools/pstream and to check that an
# instance left nothing behind.
source "$(dirname "${BASH_SOURCE[0]}")/ktap.sh"
source "$(dirname "${BASH_SOURCE[0]}")/loopnic.sh"

ZCRX_RX=$LN_BIN/tools/zcrx_rx
PSTREAM=$LN_BIN/tools/pstream
ZC_PORT=9000		# steered to the bound queue
ZC_OTHER_PORT=9001	# RSS, which spreads over queue 0 only
ZC_QUEUE=1

ZC_HUGEPAGES=/proc/sys/vm/nr_hugepages
zc_hugepages_before=

zc_tmp=$(mktemp -d)
zc_cleanup() {
	rm -rf "$zc_tmp"
	ln_cleanup
	# after the processes that used them are gone
	[ -n "$zc_hugepages_before" ] &&
		echo "$zc_hugepages_before" > "$ZC_HUGEPAGES"
	return 0
}
trap zc_cleanup EXIT

# zc_setup [QUEUES]: the pair, QUEUES (default 2) queues on B, RSS on
# queue 0 only, ZC_PORT steered to ZC_QUEUE, header split on
zc_setup() {
	local queues=${1:-2}

	ln_setup || { ktap_info "cannot set up the pair"; exit 1; }
	[ -x "$ZCRX_RX" ] || { ktap_info "no $ZCRX_RX"; exit 1; }
	in_b ip link set lo up
	in_b ethtool -L "$LN_DEV_B" combined "$queues"
	in_b ethtool -X "$LN_DEV_B" equal 1
	in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $ZC_PORT \
		action $ZC_QUEUE > /dev/null
	in_b ethtool -N "$LN_DEV_B" flow-type tcp6 dst-port $ZC_PORT \
		action $ZC_QUEUE > /dev/null
	ln_hds "$LN_NS_B" "$LN_DEV_B" on
}

# zc_provider_gone: no queue of B shows an io-uring nest and every pool of
# B that the driver let go of has drained (false if a dump fails)
zc_provider_gone() {
	local pools

	ln_flush_defer
	ln_no_io_uring "$LN_NS_B" || return 1
	pools=$(ln_pools "$LN_NS_B" "$LN_DEV_B") || return 1
	! echo "$pools" | awk '$3 == 1 { f = 1 } END { exit !f }'
}

# zc_check_gone: zc_provider_gone within 30 s, or say what is left
zc_check_gone() {
	ln_wait 30 zc_provider_gone && return 0
	ktap_info "the provider outlived the ring"
	ln_pools "$LN_NS_B" "$LN_DEV_B" |
		sed 's/^/# pool id inflight detached: /'
	return 1
}

# zc_counters FILE: "ZC COPY" from a zcrx_rx output
zc_counters() {
	sed -n 's/^zcrx: .*zc_bytes=\([0-9]*\) copy_bytes=\([0-9]*\)/\1 \2/p' \
		"$1"
}

# zc_run NAME SEND_NS ADDR SEND_PORT CONNS BYTES ZCRX_RX_ARGS...: stream
# CONNS x BYTES from SEND_NS to ADDR:SEND_PORT into zcrx_rx on ZC_QUEUE;
# sets $counters to "ZC COPY" and returns zcrx_rx's verdict, which includes
# the provider being gone after the ring exits. With ZC_RX_CPU or
# ZC_TX_CPU set, zcrx_rx or the sender runs pinned to that CPU.
zc_run() {
	local name=$1 ns=$2 addr=$3 port=$4 conns=$5 bytes=$6 out rx rc fam=''

	shift 6
	out=$zc_tmp/$name
	case $addr in *:*) fam=-6 ;; esac
	in_b ${ZC_RX_CPU:+taskset -c "$ZC_RX_CPU"} "$ZCRX_RX" -i "$LN_DEV_B" \
		-q $ZC_QUEUE -p "$port" $fam -c "$conns" -b "$bytes" -t 600 \
		"$@" > "$out" 2>&1 &
	rx=$!
	ln_wait 10 grep -q '^listening' "$out"
	ip netns exec "$ns" ${ZC_TX_CPU:+taskset -c "$ZC_TX_CPU"} "$PSTREAM" \
		send $fam -a "$addr" -p "$port" -b "$bytes" -c "$conns" \
		> "$out.send" 2>&1
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/# pstream: /' "$out.send"
	wait $rx
	[ $? -eq 0 ] || rc=1
	sed 's/^/# zcrx_rx: /' "$out"
	counters=$(zc_counters "$out")
	grep -q '^done: ok' "$out" || rc=1
	zc_check_gone || rc=1
	return $rc
}

# zc_start NAME ZCRX_RX_ARGS...: zcrx_rx on B's device in the background,
# its output in $zc_tmp/NAME; sets $zc_pid (zcrx_rx itself, as ip netns
# exec execs it) and returns once it listens
zc_start() {
	local out=$zc_tmp/$1

	shift
	ip netns exec "$LN_NS_B" "$ZCRX_RX" -i "$LN_DEV_B" "$@" > "$out" 2>&1 &
	zc_pid=$!
	ln_wait 30 grep -q '^listening' "$out"
}

# zc_info PID KEY: KEY (zc_bytes, copy_bytes, rxq) of the zcrx instance in
# the fdinfo of PID's ring
zc_info() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null |
		sed -n "s/^Zcrx[0-9]*:.* $2=\(-\?[0-9]*\).*/\1/p" | head -n 1
}

# zc_flowing PID: data reached PID's instance zero-copy
zc_flowing() {
	local zc

	zc=$(zc_info "$1" zc_bytes)
	[ "${zc:-0}" -gt 0 ]
}

# zc_exited PID: PID is gone or a zombie (a child of ours until wait)
zc_exited() {
	local state

	state=$(ps -o stat= -p "$1")
	[ -z "$state" ] || [ "${state#Z}" != "$state" ]
}

# zc_reap PID SECONDS: PID's exit status once it ends; a PID still running
# after SECONDS is killed and the status is 124
zc_reap() {
	if ! ln_wait "$2" zc_exited "$1"; then
		ktap_info "pid $1 still runs after $2 s, killed"
		kill -9 "$1"
		{ wait "$1"; } 2> /dev/null
		return 124
	fi
	{ wait "$1"; } 2> /dev/null
}

# zc_no_pools NS DEV: DEV has no page pool left in NS (an unregistered
# device's pools wait on NS's lo until their buffers come home)
zc_no_pools() {
	local pools

	ln_flush_defer
	pools=$(ln_pools "$1" "$2") && [ -z "$pools" ]
}

# zc_hugepages N: N more 2 MiB huge pages in the pool (vm.nr_hugepages),
# given back when the test ends; false, saying so, if fewer than N are
# free after that (the kernel finds them in the buddy allocator, without
# compaction)
zc_hugepages() {
	local free size

	size=$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)
	if [ "$size" != 2048 ]; then
		ktap_info "huge pages of $size kB, not 2 MiB"
		return 1
	fi
	[ -n "$zc_hugepages_before" ] ||
		zc_hugepages_before=$(cat "$ZC_HUGEPAGES")
	echo $((zc_hugepages_before + $1)) > "$ZC_HUGEPAGES"
	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	[ "$free" -ge "$1" ] && return 0
	ktap_info "$free huge pages free, $1 wanted"
	return 1
}

# zc_field NAME LINE KEY: KEY's value on the line of zcrx_rx's output NAME
# that starts with "LINE:" (buffers, grow, abuse, ...)
zc_field() {
	sed -n "s/^$2:.* $3=\([^ ]*\).*/\1/p" "$zc_tmp/$1" | head -n 1
}

# zc_dmabufs: how many dma-bufs the kernel has (debugfs)
zc_dmabufs() {
	awk '/^Total [0-9]* objects/ { print $2 }' /sys/kernel/debug/dma_buf/bufinfo
}

# zc_dmabufs_are N: there are N dma-bufs, deferred skb frees pushed along
# first (the last page pool of an instance holds its dma-buf)
zc_dmabufs_are() {
	ln_flush_defer
	[ "$(zc_dmabufs)" = "$1" ]
}

# zc_dmabufs_back N: zc_dmabufs is N again within 30 s, or say what is left
zc_dmabufs_back() {
	ln_wait 30 zc_dmabufs_are "$1" && return 0
	ktap_info "$(zc_dmabufs) dma-bufs, $1 before: one outlived its users"
	return 1
}
