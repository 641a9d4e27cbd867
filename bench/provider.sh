#!/bin/bash
# The zcrx memory provider's fast paths against a plain page pool, in the
# kernel: debugfs io_uring/zcrx_bench (CONFIG_IO_URING_ZCRX_BENCH, on in
# the release kernel; kernel/io_uring/zcrx_bench.c says what it measures).
# An idle tools/zcrx-sink binds queue 1 of a loopnic port with 4 KiB and
# then 64 KiB buffers; the benchmark makes a plain pool and a zcrx pool on
# that queue and times, per buffer: allocation with recycling into the
# pool's cache, allocation with the slow return (ptr_ring against refill
# ring), and the cache refill alone. Medians of five rounds, the two pools
# in turn. Runs in the VM:
#   make bench
# Results in build/bench/provider.txt too.
source "$(dirname "$0")/../tests/lib/loopnic.sh"

SINK=$LN_TOP/build/tools/zcrx-sink
KNOB=/sys/kernel/debug/io_uring/zcrx_bench
OUT=${ZCRX_IO:+$ZCRX_IO/bench}
OUT=${OUT:-$LN_TOP/build/bench}
NR_HUGEPAGES=/proc/sys/vm/nr_hugepages
AREA_MB=64

[ -w "$KNOB" ] || { echo "no $KNOB: CONFIG_IO_URING_ZCRX_BENCH is off"; exit 1; }

hugepages_before=
out=$(mktemp)
cleanup() {
	exec 3>&-
	ln_cleanup
	[ -n "$hugepages_before" ] && echo "$hugepages_before" > "$NR_HUGEPAGES"
	rm -f "$out"
}
trap cleanup EXIT

ln_setup > /dev/null || exit 1
ln_zc_queue 1 9000 || exit 1
hugepages_before=$(cat "$NR_HUGEPAGES")
echo $((hugepages_before + AREA_MB / 2)) > "$NR_HUGEPAGES"
ifindex=$(in_b cat "/sys/class/net/$LN_DEV_B/ifindex")

hugepages_back() {
	ln_flush_defer
	[ "$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)" -ge $((AREA_MB / 2)) ]
}

# measure BUF: "NAME PLAIN_NS ZCRX_NS" lines with an idle sink of BUF
# buffers on queue 1. The write names the device by its ifindex in the
# writer's netns; ip netns exec hides debugfs, so the knob is opened here.
measure() {
	local huge= sink ret

	[ "$1" = 4k ] || huge="-L $1"
	ln_wait 30 hugepages_back || { echo "huge pages not back" >&2; return 1; }
	ip netns exec "$LN_NS_B" "$SINK" -i "$LN_DEV_B" -q 1 -p 9000 -4 \
		-A ${AREA_MB}M $huge \
		-n 1 > "$out" 2>&1 &
	sink=$!
	ln_wait 30 grep -q listening "$out" || { kill $sink 2> /dev/null; cat "$out" >&2; return 1; }
	exec 3> "$KNOB"
	in_b sh -c "echo $ifindex 1 >&3"
	ret=$?
	exec 3>&-
	kill -INT $sink
	wait $sink
	[ $ret = 0 ] && cat "$KNOB"
}

mkdir -p "$OUT"
{
	echo "zcrx provider against a plain page pool, ns per buffer (medians of 5)"
	printf '%8s %-8s %9s %9s %7s\n' buffers path plain zcrx ratio
} | tee "$OUT/provider.txt"
for buf in 4k 64k; do
	res=$(measure $buf) && [ -n "$res" ] || { echo "$buf: the benchmark failed"; exit 1; }
	echo "$res" | awk -v b="$buf" '{
		printf "%8s %-8s %9d %9d %7.2f\n", b, $1, $2, $3, $2 ? $3 / $2 : 0
	}' | tee -a "$OUT/provider.txt"
done
