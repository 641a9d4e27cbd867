# SPDX-License-Identifier: MIT
# KTAP for the shell tests, the same lines test/ktap.h prints.
#
#   ktap_plan N        header and plan
#   ktap_result RC DESCRIPTION   RC 0 passes
#   ktap_skip WHY DESCRIPTION   a skipped case
#   ktap_info TEXT     diagnostic line
#   ktap_finish        totals; exits 0, or 1 after a failure

ktap_num=0
ktap_passed=0
ktap_failed=0
ktap_skipped=0

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

ktap_info() {
	echo "# $*"
}

ktap_result() {
	rc=$1
	shift
	ktap_num=$((ktap_num + 1))
	if [ "$rc" -eq 0 ]; then
		ktap_passed=$((ktap_passed + 1))
		echo "ok $ktap_num $*"
	else
		ktap_failed=$((ktap_failed + 1))
		echo "not ok $ktap_num $*"
	fi
}

ktap_skip() {
	why=$1
	shift
	ktap_num=$((ktap_num + 1))
	ktap_skipped=$((ktap_skipped + 1))
	echo "ok $ktap_num $* # SKIP $why"
}

ktap_finish() {
	echo "# Totals: pass:$ktap_passed fail:$ktap_failed xfail:0 xpass:0 skip:$ktap_skipped error:0"
	[ "$ktap_failed" -eq 0 ]
	exit $?
}
