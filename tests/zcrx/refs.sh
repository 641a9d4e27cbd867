#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 600
#
# User references and page pool references (zcrx ABI §5, §7): RECV_ZC must
# keep a buffer the stack holds from being recycled while it hands it to
# the user, whatever the refill ring says meanwhile. zcrx_rx -D returns
# every buffer twice (the copies never side by side, which the kernel would
# take as one batch) and every other one before it has checked it, while
# 4 pattern streams run into one instance. It may spoil its own view of a
# buffer it gave away; such mismatches are counted as explained and do not
# fail. A mismatch its refill entries cannot explain (the rule is at
# refs_explained() in tests/tools/zcrx_rx.c) is the kernel recycling a
# buffer still in a socket, and fails the test, as does any kernel splat
# (the runner's) or a pool that does not drain after the ring exits.
#
# To give such a bug a chance to show: a 9000-byte MTU fills whole 4 KiB
# buffers and a 1000-byte read limit, re-armed each time, hands each out
# over 4-6 requests, so the rest of a buffer waits in the socket while
# the receiver returns what it got; a 64-entry rx ring makes a recycled
# buffer come back to the NIC, and be written over, soon; NAPI runs on the
# sender's CPU (loopnic's xmit schedules it there), the receiver on the
# other one. The refill ring is as large as it gets: the kernel reads it
# only as the queue needs buffers, and most of what -D writes is of no use
# to it. The area (1024 buffers) is larger than what the rx ring and the
# sockets hold (at most 512 KiB each, tcp_rmem), so the queue does not
# run dry: a starved stream would wait on TCP's retransmit backoff.
source "$(dirname "$0")/../lib/zcrx.sh"

ktap_plan 1
zc_setup
in_a ip link set "$LN_DEV_A" mtu 9000
in_b ip link set "$LN_DEV_B" mtu 9000
in_b ethtool -G "$LN_DEV_B" rx 64
in_b sysctl -qw net.ipv4.tcp_rmem="4096 131072 524288"

conns=4
ktap_scale bytes $((32 << 20))
ZC_TX_CPU=0
ZC_RX_CPU=1
start=$SECONDS
zc_run refs "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT $conns $bytes \
	-D -B 1000 -A 4M -r 32768
rc=$?
refs=$(grep '^refs:' "$zc_tmp/refs")
ktap_info "${refs:-no refs line}; took $((SECONDS - start)) s"
[ "$counters" = "$((conns * bytes)) 0" ] || rc=1
# it did misbehave, and nothing it saw is the kernel's fault
echo "$refs" | grep -q ' premature=[1-9]' || rc=1
echo "$refs" | grep -q ' twice=[1-9]' || rc=1
echo "$refs" | grep -q ' unexplained=0$' || rc=1
ktap_result $rc "refill entries for buffers not held, $conns x $((bytes >> 20)) MiB in 1000-byte reads: no unexplained mismatch, all zero-copy, provider gone ($counters)"
ktap_finish
