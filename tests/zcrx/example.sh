#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# examples/zcrx-recv, the smallest zero-copy receiver, on a loopnic queue
# set up for it: a file sent over one TCP connection arrives byte for
# byte, its payload split from the headers on the bound queue, and the
# queue is free again once the example has exited.
source "$(dirname "$0")/../lib/zcrx.sh"

RECV=$LN_TOP/build/examples/zcrx-recv

ktap_plan 3
zc_setup
[ -x "$RECV" ] || { ktap_info "no $RECV"; exit 1; }

ktap_scale bytes $((32 << 20))
head -c $bytes /dev/urandom > "$zc_tmp/sent"
hds_before=$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx${ZC_QUEUE}_hds_packets)

listening() {
	in_b ss -Hltn "sport = :$ZC_PORT" | grep -q .
}

rc=0
in_b "$RECV" "$LN_DEV_B" $ZC_QUEUE $ZC_PORT > "$zc_tmp/got" 2> "$zc_tmp/err" &
recv=$!
ln_wait 20 listening || { ktap_info "zcrx-recv does not listen"; rc=1; }
in_a bash -c "cat '$zc_tmp/sent' > /dev/tcp/$LN_ADDR4_B/$ZC_PORT" || rc=1
zc_reap $recv 60 || rc=1
sed 's/^/# /' "$zc_tmp/err"
grep -qx "zcrx-recv: $bytes bytes" "$zc_tmp/err" || rc=1
cmp "$zc_tmp/sent" "$zc_tmp/got" > /dev/null || { ktap_info "the data differs"; rc=1; }
ktap_result $rc "zcrx-recv receives $((bytes >> 20)) MiB byte for byte"

hds=$(( $(ln_stat "$LN_NS_B" "$LN_DEV_B" rx${ZC_QUEUE}_hds_packets) - hds_before ))
ktap_info "queue $ZC_QUEUE split $hds frames"
# at least one split frame per 64 KiB, the largest loopnic frame
ktap_result $([ $hds -ge $((bytes >> 16)) ]; echo $?) \
	"the stream came through queue $ZC_QUEUE, headers split from payload"

rc=0
zc_check_gone || rc=1
ktap_result $rc "the queue is free after zcrx-recv exits"
ktap_finish
