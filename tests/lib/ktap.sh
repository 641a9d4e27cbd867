# KTAP output for shell tests, in the shape kselftest.h prints.
#
#   ktap_plan N           header and plan
#   ktap_result RC NAME   RC 0 passes; any other value fails
#   ktap_skip NAME WHY
#   ktap_finish           totals; exits 0, or 1 if anything failed
#
# Diagnostics go to stdout as "# ..." lines with ktap_info.

ktap_pass=0
ktap_fail=0
ktap_skipped=0
ktap_num=0

ktap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

ktap_info() {
	echo "# $*"
}

ktap_result() {
	local rc=$1

	shift
	ktap_num=$((ktap_num + 1))
	if [ "$rc" -eq 0 ]; then
		ktap_pass=$((ktap_pass + 1))
		echo "ok $ktap_num $*"
	else
		ktap_fail=$((ktap_fail + 1))
		echo "not ok $ktap_num $*"
	fi
}

ktap_skip() {
	ktap_num=$((ktap_num + 1))
	ktap_skipped=$((ktap_skipped + 1))
	echo "ok $ktap_num $1 # SKIP $2"
}

ktap_finish() {
	echo "# Totals: pass:$ktap_pass fail:$ktap_fail xfail:0 xpass:0 skip:$ktap_skipped error:0"
	[ "$ktap_fail" -eq 0 ]
	exit $?
}
