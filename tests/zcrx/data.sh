#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 900
#
# io_uring zero-copy receive of 256 MiB per address family (16 on the
# debug kernel, which is there for KASAN and lockdep) over a loopnic
# pair set up like a physical NIC (lib/zcrx.sh). tests/tools/zcrx_rx checks
# every byte through the area; the instance's fdinfo counters say how many
# bytes came zero-copy and how many were copied:
#  - IPv4, multishot, 4 connections x 64 MiB on one queue: all zero-copy;
#  - IPv6, multishot requests with a 1 MiB read limit (sqe->len), each
#    re-armed when it ends at the limit, 2 x 128 MiB, the refill ring in
#    user memory: all zero-copy.
# After each run the ring is gone, so is the provider: the queue has no
# io-uring nest and no page pool of the device is left waiting.
source "$(dirname "$0")/../lib/zcrx.sh"

ktap_plan 2
zc_setup

ZCRX_DEBUG_SCALE=16 ktap_scale total $((256 << 20))
mib() { echo $(($1 >> 20)); }
zc_run v4 "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 4 $((total / 4)) -A 32M
rc=$?
[ "$counters" = "$total 0" ] || rc=1
ktap_result $rc "IPv4 multishot: 4 x $(mib $((total / 4))) MiB on queue $ZC_QUEUE, verified, all zero-copy ($counters)"

zc_run v6 "$LN_NS_A" "$LN_ADDR6_B" $ZC_PORT 2 $((total / 2)) -A 32M -B 1M -U
rc=$?
[ "$counters" = "$total 0" ] || rc=1
ktap_result $rc "IPv6 multishot with 1 MiB read limits re-armed, user refill ring: 2 x $(mib $((total / 2))) MiB, verified, all zero-copy ($counters)"
ktap_finish
