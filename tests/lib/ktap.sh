# KTAP output for shell tests, in the shape kselftest.h prints.
#
#   ktap_plan N           header and plan
#   ktap_result RC NAME   RC 0 passes; any other value fails
#   ktap_skip NAME WHY
#   ktap_finish           totals; exits 0, or 1 if anything failed
#   ktap_scale VAR N      VAR=N, or N/ZCRX_DEBUG_SCALE (default 4, at
#                         least 1) on the debug kernel, saying so
#
# Diagnostics go to stdout as "# ..." lines with ktap_info.
#
# The debug kernel (KASAN, lockdep, kmemleak) is there to catch bugs, not to
# move volume, and runs several times slower: scripts/guest-tests.sh sets
# ZCRX_DEBUG_KERNEL=1 there. A test that moves data sizes it with
#   ktap_scale bytes $((256 << 20))
# and uses $bytes; on the debug kernel that prints
#   # reduced volume on the debug kernel: bytes 268435456 -> 67108864
# so the reduction shows in the test's output. A C test reads
# getenv("ZCRX_DEBUG_KERNEL") and prints such a line itself.

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

ktap_scale() {
	local var=$1 n=$2 div=${ZCRX_DEBUG_SCALE:-4} m

	m=$n
	if [ "${ZCRX_DEBUG_KERNEL:-0}" = 1 ] && [ "$div" -gt 1 ]; then
		m=$((n / div))
		[ "$m" -ge 1 ] || m=1
		ktap_info "reduced volume on the debug kernel: $var $n -> $m"
	fi
	printf -v "$var" '%s' "$m"
}
