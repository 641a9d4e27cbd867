#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile user of the refill ring (zcrx ABI §5: a bad entry is skipped,
# never trusted). zcrx_rx -X has its own instance on queue 2 and receives a
# stream there while writing garbage into its refill ring: random offsets,
# the same buffer twice, offsets past its area, another area's id, non-zero
# __pad, made-up lengths, a head it overwrites and a tail that jumps far
# ahead or back. Meanwhile a legitimate zcrx_rx on queue 1 receives a
# stream that must arrive whole, verified and zero-copy. The hostile
# process ends with its stream, or after a bounded time when its stream
# stalls for want of buffers it never gave back. Once both rings are gone
# so is every provider: nothing double freed (a pool's inflight count going
# negative, a WARN or KASAN report, which the runner catches in the kernel
# log) and nothing leaked (a pool that never drains).
source "$(dirname "$0")/../lib/zcrx.sh"

ktap_plan 3
zc_setup 3

HOSTILE_QUEUE=2
HOSTILE_PORT=9002
# The hostile process stops after this long even if its stream stalled,
# or after HOSTILE_CQES data completions (more than it gets in practice).
HOSTILE_SECONDS=40
HOSTILE_CQES=1M

in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $HOSTILE_PORT \
	action $HOSTILE_QUEUE > /dev/null

# The hostile side: its stream runs until $zc_tmp/hostile.stop exists.
zc_start hostile -q $HOSTILE_QUEUE -p $HOSTILE_PORT -X $HOSTILE_CQES \
	-t $HOSTILE_SECONDS || ktap_info "the hostile zcrx_rx did not start"
hostile=$zc_pid
ip netns exec "$LN_NS_A" "$PSTREAM" send -a "$LN_ADDR4_B" -p $HOSTILE_PORT \
	-u "$zc_tmp/hostile.stop" > /dev/null 2>&1 &
hostile_send=$!
ln_wait 30 zc_flowing $hostile || ktap_info "no data reached the hostile instance"

# The legitimate side, while the hostile one goes on.
ktap_scale bytes $((16 << 20))
rc=0
zc_start legit -q $ZC_QUEUE -p $ZC_PORT -c 2 -b $bytes || rc=1
legit=$zc_pid
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT -c 2 -b $bytes || rc=1
zc_reap $legit 120 || rc=1
zc_exited $hostile && ktap_info "the hostile zcrx_rx had ended before the legitimate stream did"
sed 's/^/# legit: /' "$zc_tmp/legit"
grep -q '^done: ok' "$zc_tmp/legit" || rc=1
counters=$(zc_counters "$zc_tmp/legit")
[ "$counters" = "$((2 * bytes)) 0" ] || rc=1
ktap_result $rc "next to a hostile refill ring, 2 x $((bytes >> 20)) MiB on queue $ZC_QUEUE arrive verified, all zero-copy ($counters)"

# Every kind of garbage was written at least once and the hostile side
# ended by itself.
touch "$zc_tmp/hostile.stop"
zc_reap $hostile $((HOSTILE_SECONDS + 30))
rc=$?
sed 's/^/# hostile: /' "$zc_tmp/hostile"
grep '^abuse:' "$zc_tmp/hostile" | grep -q '=0\b' && rc=1
grep -q '^done: ok' "$zc_tmp/hostile" || rc=1
ktap_result $rc "the hostile zcrx_rx wrote every kind of garbage and ended within $HOSTILE_SECONDS s"
# Its connection is gone: the sender fails, or ends if it saw the stop.
zc_reap $hostile_send 30

zc_check_gone
ktap_result $? "both rings gone: no io-uring nest on any queue, every page pool drained"
ktap_finish
