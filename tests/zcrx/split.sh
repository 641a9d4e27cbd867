#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tcp-data-split under a bound zcrx instance (zcrx ABI §11): the payload
# buffers of the bound queue come from the instance and the headers must
# keep landing elsewhere, so turning split off is refused by the ethtool
# core, -EINVAL with the extack message "can't disable tcp-data-split while
# device has memory provider enabled", before the driver is asked. The
# refusal changes nothing: split stays on and a stream received after it
# is verified and all zero-copy. Once the ring is gone nothing is bound,
# and split can be turned off and on again.
source "$(dirname "$0")/../lib/zcrx.sh"

ktap_plan 3
zc_setup

ktap_scale bytes $((16 << 20))
rc=0
zc_start split -q $ZC_QUEUE -p $ZC_PORT -b $bytes || rc=1
rx=$zc_pid
if ln_hds_try "$LN_NS_B" "$LN_DEV_B" off; then
	ktap_info "tcp-data-split off while bound went through"
	ln_hds "$LN_NS_B" "$LN_DEV_B" on
	rc=1
else
	ktap_info "tcp-data-split off while bound: error $ln_errno, extack \"$ln_extack\""
	[ "$ln_errno" = -22 ] && [ "$ln_extack" = "$LN_HDS_BUSY" ] || rc=1
fi
state=$(ln_hds_state "$LN_NS_B" "$LN_DEV_B")
ktap_info "tcp-data-split is $state"
[ "$state" = on ] || rc=1
ktap_result $rc "tcp-data-split off while queue $ZC_QUEUE is bound: -EINVAL, \"$LN_HDS_BUSY\""

rc=0
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT -b $bytes || rc=1
zc_reap $rx 120 || rc=1
sed 's/^/# zcrx_rx: /' "$zc_tmp/split"
grep -q '^done: ok' "$zc_tmp/split" || rc=1
counters=$(zc_counters "$zc_tmp/split")
[ "$counters" = "$bytes 0" ] || rc=1
zc_check_gone || rc=1
ktap_result $rc "after the refusal, $((bytes >> 20)) MiB verified, all zero-copy, provider gone ($counters)"

rc=0
ln_hds_try "$LN_NS_B" "$LN_DEV_B" off || rc=1
[ "$(ln_hds_state "$LN_NS_B" "$LN_DEV_B")" = off ] || rc=1
ln_hds_try "$LN_NS_B" "$LN_DEV_B" on || rc=1
[ "$(ln_hds_state "$LN_NS_B" "$LN_DEV_B")" = on ] || rc=1
ktap_result $rc "with the ring gone, tcp-data-split turns off and on again"
ktap_finish
