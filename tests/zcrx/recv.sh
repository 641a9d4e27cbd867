#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IORING_OP_RECV_ZC request semantics: what prep refuses, how a request
# ends (EOF, spent budget, reset, the reader's shutdown, a full CQ).
# tests/tools/zcrx_ops drives it over lo against an instance bound to the
# steered queue of a loopnic pair and prints the KTAP itself.
source "$(dirname "$0")/../lib/zcrx.sh"

zc_setup >&2
in_b "$LN_BIN/tools/zcrx_ops" -i "$LN_DEV_B" -q $ZC_QUEUE
rc=$?
zc_check_gone >&2 || rc=1
exit $rc
