#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IORING_OP_RECV_ZC request semantics of ABI revision 2 (multishot only,
# len a read limit): what prep refuses, how a request ends (EOF, a reached
# read limit, reset, the reader's shutdown, a full CQ), limits that split
# buffers, and a buffer of another instance. tests/tools/zcrx_ops drives it
# and prints the KTAP itself: over lo (copy fallback) against an instance
# bound to the steered queue of a loopnic pair, then zero-copy with a
# stream from the other end of the pair.
source "$(dirname "$0")/../lib/zcrx.sh"

OTHER_QUEUE=2

zc_setup 3 >&2
out=$zc_tmp/ops
in_b "$LN_BIN/tools/zcrx_ops" -i "$LN_DEV_B" -q $ZC_QUEUE \
	-Q $OTHER_QUEUE -p $ZC_PORT > "$out" 2>&1 &
ops=$!
# the peer's stream, once zcrx_ops is through the lo cases and listens
listening() {
	in_b ss -Hltn "sport = :$ZC_PORT" | grep -q .
}
if ln_wait 120 listening; then
	in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT -b $((1 << 20)) \
		-c 1 > /dev/null
fi
wait $ops
rc=$?
cat "$out"
zc_check_gone >&2 || rc=1
exit $rc
