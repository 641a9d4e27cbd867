#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile users of the refill ring (zcrx ABI §5: a bad entry is skipped,
# never trusted). Three zcrx_rx -X, each with its own instance on a queue
# of its own and a stream there, write garbage into their refill rings:
# random offsets in their areas, the same buffer twice, offsets past an
# area, area ids they do not have, another of their areas' id with the
# same index, non-zero __pad, made-up lengths, a head they overwrite and a
# tail that jumps far ahead or back, mixed with proper returns, some
# naming another offset inside the buffer. One has a single area of 4 KiB
# buffers, one four areas (three added with ZCRX_CTRL_ADD_AREA), one two
# areas of 64 KiB buffers on huge pages, each shared by the frames the
# device packs into it. Meanwhile a legitimate zcrx_rx on queue 1
# receives a stream that must arrive whole, verified and zero-copy. A
# hostile process ends with its stream, or after a bounded time when its
# stream stalls for want of buffers it never gave back; where the kernel
# put its data must still be inside one buffer of one of its areas. Once
# all rings are gone so is every provider: nothing double freed (a pool's
# inflight count going negative, a WARN or KASAN report, which the runner
# catches in the kernel log) and nothing leaked (a pool that never
# drains).
source "$(dirname "$0")/../lib/zcrx.sh"

ktap_plan 5
zc_setup 5
zc_hugepages 10 || ktap_info "the huge-page hostile cannot start"

# The hostile processes stop after this long even if their streams
# stalled, or after HOSTILE_CQES data completions (more than they get in
# practice).
HOSTILE_SECONDS=40
HOSTILE_CQES=1M
# name, queue, port, zcrx_rx options
HOSTILES=(
	"plain 2 9002"
	"areas 3 9003 -A 4M -n 3 -z 4M"
	"large 4 9004 -m huge -R 64K -A 8M -n 1 -z 8M"
)

# The hostile sides: each stream runs until $zc_tmp/NAME.stop exists.
declare -A hostile hostile_send
for h in "${HOSTILES[@]}"; do
	read -r name queue port opts <<< "$h"
	in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port "$port" \
		action "$queue" > /dev/null
	# shellcheck disable=SC2086 # the options are words
	zc_start "$name" -q "$queue" -p "$port" -X $HOSTILE_CQES \
		-t $HOSTILE_SECONDS $opts ||
		ktap_info "the hostile zcrx_rx $name did not start"
	hostile[$name]=$zc_pid
	ip netns exec "$LN_NS_A" "$PSTREAM" send -a "$LN_ADDR4_B" -p "$port" \
		-u "$zc_tmp/$name.stop" > /dev/null 2>&1 &
	hostile_send[$name]=$!
	ln_wait 30 zc_flowing "${hostile[$name]}" ||
		ktap_info "no data reached the hostile instance $name"
done

# The legitimate side, while the hostile ones go on.
ktap_scale bytes $((16 << 20))
rc=0
zc_start legit -q $ZC_QUEUE -p $ZC_PORT -c 2 -b $bytes || rc=1
legit=$zc_pid
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT -c 2 -b $bytes || rc=1
zc_reap $legit 120 || rc=1
for name in "${!hostile[@]}"; do
	zc_exited "${hostile[$name]}" &&
		ktap_info "the hostile zcrx_rx $name had ended before the legitimate stream did"
done
sed 's/^/# legit: /' "$zc_tmp/legit"
grep -q '^done: ok' "$zc_tmp/legit" || rc=1
counters=$(zc_counters "$zc_tmp/legit")
[ "$counters" = "$((2 * bytes)) 0" ] || rc=1
ktap_result $rc "next to three hostile refill rings, 2 x $((bytes >> 20)) MiB on queue $ZC_QUEUE arrive verified, all zero-copy ($counters)"

# Every kind of garbage was written at least once, the data stayed in
# place, and each hostile side ended by itself.
for h in "${HOSTILES[@]}"; do
	read -r name queue port opts <<< "$h"
	touch "$zc_tmp/$name.stop"
done
for h in "${HOSTILES[@]}"; do
	read -r name queue port opts <<< "$h"
	zc_reap "${hostile[$name]}" $((HOSTILE_SECONDS + 30))
	rc=$?
	sed "s/^/# hostile $name: /" "$zc_tmp/$name"
	grep '^abuse:' "$zc_tmp/$name" | grep -q '=0\b' && rc=1
	grep -q '^abuse:' "$zc_tmp/$name" || rc=1
	grep -q '^done: ok' "$zc_tmp/$name" || rc=1
	[ "$(zc_field "$name" buffers bad_offsets)" = 0 ] || rc=1
	what="a single area"
	case $name in
	areas)
		what="4 areas, ids past them and each other's"
		;;
	large)
		what="2 areas of 64 KiB buffers on huge pages"
		[ "$(zc_field "$name" buffers rx_buf_len)" = 65536 ] || rc=1
		;;
	esac
	if [ "$name" != plain ]; then
		# its garbage named its other areas, and its data came from
		# more than one area: the first ran out
		n=$(zc_field "$name" abuse-areas other_area)
		[ "${n:-0}" -gt 0 ] || rc=1
		n=$(zc_field "$name" buffers used)
		[ "${n:-0}" -gt 1 ] || rc=1
	fi
	ktap_result $rc "the hostile zcrx_rx with $what wrote every kind of garbage, its completions stayed inside its buffers, and it ended within $HOSTILE_SECONDS s"
done
# Their connections are gone: the senders fail, or end if they saw the stop.
for name in "${!hostile_send[@]}"; do
	zc_reap "${hostile_send[$name]}" 30
done

zc_check_gone
ktap_result $? "all rings gone: no io-uring nest on any queue, every page pool drained"
ktap_finish
