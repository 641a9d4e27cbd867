#!/bin/sh
# Runs inside the VM: every test named in the list, one after the other,
# each under a time limit. Output and exit status of each go to
# $ZCRX_IO/results/ for scripts/report.py on the host; a marker in the
# kernel log ties any splat to the test that was running.
#
# Usage: scripts/guest-tests.sh LIST [TIMEOUT_PER_TEST]
#
# A shell test that needs longer (the debug kernel is several times slower
# than the release one) says so in a "# test-timeout: SECONDS" line;
# ZCRX_TEST_TIMEOUT in the environment (make stress, make fuzz) overrides
# both.
#
# Each test's start and end times go to NNN.time (report.py lists the
# slowest). Tests see ZCRX_DEBUG_KERNEL=1 on a kernel built with KASAN,
# kmemleak or lockdep (0 otherwise; a ZCRX_DEBUG_KERNEL= on the kernel
# command line, e.g. through VM_APPEND, overrides it): such a kernel is
# there for coverage, not volume, and tests may move less data on it
# (ktap_scale in tests/lib/ktap.sh).

list=${1:?test list}
limit=${2:-300}
out=$ZCRX_IO/results
mkdir -p "$out"

kmsg() {
	echo "zcrx-test: $*" > /dev/kmsg
}

kmemleak=/sys/kernel/debug/kmemleak

if [ -z "${ZCRX_DEBUG_KERNEL:-}" ]; then
	ZCRX_DEBUG_KERNEL=0
	if [ -e $kmemleak ] ||
		zcat /proc/config.gz 2>/dev/null |
		grep -qE '^CONFIG_(KASAN|DEBUG_KMEMLEAK|PROVE_LOCKING)=y'; then
		ZCRX_DEBUG_KERNEL=1
	fi
fi
export ZCRX_DEBUG_KERNEL
echo "# ZCRX_DEBUG_KERNEL=$ZCRX_DEBUG_KERNEL"
# Reports are only for objects older than kmemleak's minimum age (5 s); the
# last scan must come at least that long after the last test ends.
kmemleak_scan() {
	[ -w $kmemleak ] || return 0
	echo scan > $kmemleak
}

# test_timeout TEST: ZCRX_TEST_TIMEOUT (a soak run's), the test's own
# time limit, or the default
test_timeout() {
	local t=${ZCRX_TEST_TIMEOUT:-}

	[ -z "$t" ] && case $1 in
	*.sh) t=$(sed -n '1,10s/^# test-timeout: \([0-9]\+\)$/\1/p' "$1") ;;
	esac
	echo "${t:-$limit}"
}

date +%s.%N > "$ZCRX_IO/first-test"
kmemleak_scan
n=0
while read -r test; do
	[ -n "$test" ] || continue
	n=$((n + 1))
	name=$(basename "$(dirname "$test")")/$(basename "$test" .sh)
	id=$(printf '%03d' $n)
	echo "$name" > "$out/$id.name"
	kmsg "start $name"
	echo "# running $name"
	t=$(test_timeout "$test")
	start=$(date +%s.%N)
	echo "$start" > "$out/$id.time"
	(cd "$(dirname "$test")" && timeout -k 5 "$t" "$test") \
		> "$out/$id.out" 2>&1 < /dev/null
	rc=$?
	echo $rc > "$out/$id.rc"
	echo "$start $(date +%s.%N)" > "$out/$id.time"
	kmsg "end $name rc=$rc"
	[ $rc -eq 124 ] && echo "# $name timed out after ${t}s" >> "$out/$id.out"
done < "$list"

if [ -w $kmemleak ]; then
	sleep 6
	kmemleak_scan
	cat $kmemleak > "$ZCRX_IO/kmemleak.txt"
fi
exit 0
