#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 900
#
# dma-buf areas (zcrx ABI §4, §6, §7): the area is a dma-buf, here one of
# a memfd made with /dev/udmabuf, registered with IORING_ZCRX_AREA_DMABUF.
# The kernel maps it for the device and never reads or writes it with the
# CPU; zcrx_rx checks every byte through a mapping of the memfd.
#  - tests/tools/zcrx_mem dmabuf holds registration to the §4 rules
#    (addr, the fd, the length, NODEV) and to memlock; a subtest.
#  - 256 MiB over IPv4 (4 connections) and 256 MiB over IPv6 (2, with
#    1 MiB read limits; a sixteenth of each on the debug kernel) arrive
#    zero-copy: copy_bytes stays 0.
#  - a flow the NIC puts on another queue, received through the same
#    instance, needs a copy, which a dma-buf cannot take: its request ends
#    with -ENOMEM before any data, and the zero-copy flow beside it is
#    whole and verified.
#  - teardown while bound: the ring exits with every buffer held; the
#    dma-buf fd and the memfd are closed mid-stream and the stream goes
#    on until the ring exits; the device is unregistered under a stream.
# Each case ends with no provider, no page pool of the device and no
# dma-buf left (debugfs dma_buf/bufinfo counts them).
source "$(dirname "$0")/../lib/zcrx.sh"

ZCRX_MEM=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_mem
AREA=32M
MiB=$((1 << 20))

ktap_plan 8
zc_setup
dmabufs=$(zc_dmabufs)
ktap_info "$dmabufs dma-bufs before the test"

echo "    # Subtest: zcrx_mem dmabuf"
in_b "$ZCRX_MEM" dmabuf -i "$LN_DEV_B" -q $ZC_QUEUE 2>&1 | sed 's/^/    /'
ktap_result "${PIPESTATUS[0]}" "zcrx_mem dmabuf"
rc=0
zc_check_gone || rc=1
zc_dmabufs_back "$dmabufs" || rc=1
ktap_result $rc "the rules left no provider, no page pool and no dma-buf behind"

mib() { echo $(($1 >> 20)); }

ZCRX_DEBUG_SCALE=16 ktap_scale total $((256 * MiB))
zc_run v4 "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 4 $((total / 4)) \
	-m udmabuf -A $AREA
rc=$?
[ "$counters" = "$total 0" ] || rc=1
zc_dmabufs_back "$dmabufs" || rc=1
ktap_result $rc "udmabuf area, IPv4: 4 x $(mib $((total / 4))) MiB verified through the memfd, all zero-copy, provider and dma-buf gone ($counters)"

zc_run v6 "$LN_NS_A" "$LN_ADDR6_B" $ZC_PORT 2 $((total / 2)) \
	-m udmabuf -A $AREA -B 1M
rc=$?
[ "$counters" = "$total 0" ] || rc=1
zc_dmabufs_back "$dmabufs" || rc=1
ktap_result $rc "udmabuf area, IPv6, 1 MiB read limits re-armed: 2 x $(mib $((total / 2))) MiB verified through the memfd, all zero-copy, provider and dma-buf gone ($counters)"

# A flow on ZC_OTHER_PORT, which RSS puts on queue 0, into the instance
# of ZC_QUEUE next to a zero-copy flow. Its sender may fail once
# zcrx_rx closes the socket with data unread.
ktap_scale bytes $((16 * MiB))
rc=0
zc_start copy -q $ZC_QUEUE -p $ZC_PORT -c 1 -b $bytes -t 120 \
	-m udmabuf -A $AREA -F $ZC_OTHER_PORT || rc=1
rx=$zc_pid
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_OTHER_PORT -b $MiB \
	> /dev/null 2>&1 &
copy_send=$!
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT -b $bytes || rc=1
zc_reap $rx 120 || rc=1
zc_reap $copy_send 30
[ $? = 124 ] && rc=1
sed 's/^/# zcrx_rx: /' "$zc_tmp/copy"
grep -q '^done: ok' "$zc_tmp/copy" || rc=1
grep -q '^copy flow: res=-12 bytes=0$' "$zc_tmp/copy" || rc=1
counters=$(zc_counters "$zc_tmp/copy")
[ "$counters" = "$bytes 0" ] || rc=1
zc_check_gone || rc=1
zc_dmabufs_back "$dmabufs" || rc=1
ktap_result $rc "a flow from another queue into a dma-buf instance ends with -ENOMEM before any data; the zero-copy flow beside it: $(mib $bytes) MiB verified ($counters)"

# Teardown while bound

# nothing ever returned: the ring exit takes every buffer back
zc_run hold "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 1 $((4 * MiB)) \
	-m udmabuf -A $AREA -H
rc=$?
[ "$counters" = "$((4 * MiB)) 0" ] || rc=1
grep -q 'held=[1-9]' "$zc_tmp/hold" || rc=1
zc_dmabufs_back "$dmabufs" || rc=1
ktap_result $rc "ring exit with every buffer of the dma-buf held: 4 MiB verified, provider and dma-buf gone ($counters)"

# the instance alone keeps the dma-buf once the fds are closed
zc_run closed "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 1 $bytes \
	-m udmabuf -A $AREA -k
rc=$?
[ "$counters" = "$bytes 0" ] || rc=1
grep -q '^fds closed at byte [1-9]' "$zc_tmp/closed" || rc=1
zc_dmabufs_back "$dmabufs" || rc=1
ktap_result $rc "dma-buf fd and memfd closed mid-stream: $(mib $bytes) MiB verified, all zero-copy, until the ring exits; then provider and dma-buf gone ($counters)"

# pair_gone: neither end of the pair exists any more
pair_gone() {
	! in_b ip link show "$LN_DEV_B" > /dev/null 2>&1 &&
		! in_a ip link show "$LN_DEV_A" > /dev/null 2>&1
}

# del_pair under a stream: the provider is uninstalled and the dma-buf
# unmapped while the device is still registered; zcrx_rx sees the queue
# unbound and ends its connection. The device's pools wait on B's lo for
# the ring to go, and the dma-buf with them. Then a fresh pair.
rc=0
zc_start unreg -q $ZC_QUEUE -p $ZC_PORT -E -m udmabuf -A $AREA || rc=1
rx=$zc_pid
ip netns exec "$LN_NS_A" "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT \
	-u "$zc_tmp/unreg.stop" > /dev/null 2>&1 &
send=$!
ln_wait 30 zc_flowing $rx || rc=1
echo "$LN_ID" > /sys/bus/loopnic/del_pair || rc=1
ln_wait 30 pair_gone || rc=1
zc_reap $rx 30 || rc=1
sed 's/^/# zcrx_rx: /' "$zc_tmp/unreg"
grep -q '^unbound' "$zc_tmp/unreg" || rc=1
grep -q '^done: ok' "$zc_tmp/unreg" || rc=1
# its peer is gone: it would wait in send() forever
kill $send
zc_reap $send 10
ln_no_io_uring "$LN_NS_B" || rc=1
if ! ln_wait 30 zc_no_pools "$LN_NS_B" lo; then
	ktap_info "the unregistered device's pools did not drain"
	rc=1
fi
zc_dmabufs_back "$dmabufs" || rc=1
ln_cleanup
zc_setup
zc_check_gone || rc=1
ktap_result $rc "device unregistered under a stream into a dma-buf: the receive ends, pools and dma-buf gone after ring exit"
ktap_finish
