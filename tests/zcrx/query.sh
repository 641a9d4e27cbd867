#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IORING_REGISTER_QUERY (zcrx ABI revision 2, §10) and the register
# opcodes the ABI leaves out: tests/tools/zcrx_ctl query asks every op
# with ring fd -1 and with a ring, holds each reply to the ABI's values
# (the zcrx ones to what registration really does: they are the ABI's
# final values once the feature is there), and every entry rule:
# truncation, zero fill, unknown ops, dirty fields, chains of 999 and
# 1000 entries.
#
# Its registration probes need a device with a DMA parent: a loopnic pair,
# tcp-data-split left off, so that no probe can bind a queue and leave a
# provider behind (binding needs header split); a probe the kernel
# refuses before the bind (-EOPNOTSUPP) says the feature is not there.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

ZCRX_CTL=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_ctl

trap ln_cleanup EXIT
ktap_plan 1
ln_setup || { ktap_info "cannot set up the pair"; exit 1; }
echo "    # Subtest: zcrx_ctl query"
in_b "$ZCRX_CTL" query -i "$LN_DEV_B" -q 0 2>&1 | sed 's/^/    /'
ktap_result "${PIPESTATUS[0]}" "zcrx_ctl query"
ktap_finish
