#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IORING_REGISTER_ZCRX_CTRL (zcrx ABI revision 2, §8, §9): the envelope's
# rules in their order, FLUSH_RQ (a refill ring full of returned buffers
# on a queue without traffic, and entry by entry on a NODEV instance),
# EXPORT (its fd: O_CLOEXEC, [zcrx], nothing but close; -EFAULT installs
# nothing), IMPORT's rules and write-backs, who keeps the queue bound (the
# exporting ring, importing rings, export fds: the last one unbinds it) and
# ARM_EVENT's rules. tests/tools/zcrx_ctl ctrl does it on a loopnic pair
# set up as tests/lib/zcrx.sh does; its KTAP is a subtest, then the
# provider must be gone.
source "$(dirname "$0")/../lib/zcrx.sh"

ZCRX_CTL=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_ctl

ktap_plan 2
zc_setup >&2
echo "    # Subtest: zcrx_ctl ctrl"
in_b "$ZCRX_CTL" ctrl -i "$LN_DEV_B" -q $ZC_QUEUE 2>&1 | sed 's/^/    /'
ktap_result "${PIPESTATUS[0]}" "zcrx_ctl ctrl"
zc_check_gone
ktap_result $? "no provider and no page pool left"
ktap_finish
