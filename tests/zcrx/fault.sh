#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The zcrx control plane under allocation failure (fail-nth, see the
# kernel's Documentation/fault-injection/fault-injection.rst): for each
# call tests/tools/zcrx_fault fails its 1st, 2nd, ... slab or page
# allocation until the call makes no more, and holds every outcome to a
# clean error or a whole result, nothing pinned, charged or bound after
# the rings close. The calls: registration with a user-memory area, a
# dma-buf area (udmabuf), 64 KiB buffers on a huge page, NODEV; EXPORT,
# IMPORT, ADD_AREA, IORING_REGISTER_QUERY, the io_uring_enter that
# submits the first RECV_ZC on a socket with data waiting, and, with an
# instance bound, a loopnic queue restart (debugfs restart_queue) and a
# channel count change (ETHTOOL_SCHANNELS). Its KTAP is a subtest; then
# no provider, no page pool and no dma-buf may be left.
#
# failslab and fail_page_alloc are set so that sleeping allocations of
# any order can fail (probability stays 0: fail-nth alone injects), and
# given their old values back at the end. Without fault injection (the
# release kernel) every case is skipped.
source "$(dirname "$0")/../lib/zcrx.sh"

ZCRX_FAULT=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_fault
DBG=/sys/kernel/debug
FI_SETTINGS="failslab/ignore-gfp-wait=N failslab/verbose=0
failslab/probability=0 fail_page_alloc/ignore-gfp-wait=N
fail_page_alloc/ignore-gfp-highmem=N fail_page_alloc/min-order=0
fail_page_alloc/verbose=0 fail_page_alloc/probability=0"
NR_CASES=3

ktap_plan $NR_CASES
if [ ! -e /proc/self/fail-nth ] || [ ! -d $DBG/failslab ] ||
	[ ! -d $DBG/fail_page_alloc ]; then
	for t in "zcrx_fault" "no provider and no page pool left" \
		"the dma-buf count is back"; do
		ktap_skip "$t" "no fault injection (fail-nth, failslab, fail_page_alloc) in this kernel"
	done
	ktap_finish
fi

fi_saved=()
fi_restore() {
	local kv

	for kv in "${fi_saved[@]}"; do
		echo "${kv#*=}" > "$DBG/${kv%%=*}"
	done
}
fault_cleanup() {
	fi_restore
	zc_cleanup
}
trap fault_cleanup EXIT

for kv in $FI_SETTINGS; do
	f=$DBG/${kv%%=*}
	fi_saved+=("${kv%%=*}=$(cat "$f")")
	echo "${kv#*=}" > "$f" || { ktap_info "cannot set $f"; exit 1; }
done

zc_setup >&2
zc_hugepages 1 || ktap_info "no free huge page: zcrx_fault cannot run"
echo 1 > "$(ln_buf_len_knob "$LN_NS_B" "$LN_DEV_B")"
dmabufs=$(zc_dmabufs)
restart=$(ln_restart_knob "$LN_NS_B" "$LN_DEV_B")
buf_len=${restart%/restart_queue}/rx_buf_len

# ip netns exec hides debugfs: the loopnic files go in as fds
echo "    # Subtest: zcrx_fault"
start=$SECONDS
in_b "$ZCRX_FAULT" -i "$LN_DEV_B" -q $ZC_QUEUE -n "$LN_NS_A" \
	-a "$LN_ADDR4_B" -p $ZC_PORT -r 3 -b 4 3> "$restart" 4< "$buf_len" \
	2>&1 | sed 's/^/    /'
rc=${PIPESTATUS[0]}
ktap_info "zcrx_fault took $((SECONDS - start)) s"
ktap_result "$rc" "zcrx_fault"
if [ "$rc" != 0 ]; then
	# what the device is left with, for a failed channel change
	{ in_b ethtool -l "$LN_DEV_B"; in_b ethtool -x "$LN_DEV_B";
	  in_b ethtool -n "$LN_DEV_B"; } 2>&1 | head -40 | sed 's/^/# /'
fi
zc_check_gone
ktap_result $? "no provider and no page pool left"
zc_dmabufs_back "$dmabufs"
ktap_result $? "the dma-buf count is back ($dmabufs)"
ktap_finish
