#!/bin/bash
# Kernel memory a zcrx instance costs per byte of its area, as its memory
# cgroup is charged: tools/zcrx-sink registers an area in a fresh cgroup
# and, once it listens, the cgroup's memory.stat is read. Two areas per
# buffer size, a small and a large one, with the same refill ring; the
# difference of their charges over the difference of their sizes is the
# cost that grows with the area (net_iovs, user reference counts,
# freelist, the pinned page array and the scatterlist of its runs),
# without what every instance costs once. Page tables and kernel stacks
# are the process's, not the instance's, and are left out; the refill
# ring's region is reported on its own. Runs in the VM:
#   make bench
# Results in build/bench/memory.txt too.
source "$(dirname "$0")/../tests/lib/loopnic.sh"
source "$(dirname "$0")/../tests/lib/memcg.sh"

SINK=$LN_TOP/build/tools/zcrx-sink
OUT=${ZCRX_IO:+$ZCRX_IO/bench}
OUT=${OUT:-$LN_TOP/build/bench}
RQ_ENTRIES=4096
NR_HUGEPAGES=/proc/sys/vm/nr_hugepages
# SIZE SMALL_AREA LARGE_AREA (MiB): large buffers need huge pages
CASES="4k 16 1024
64k 32 512"

hugepages_before=
out=$(mktemp)
cleanup() {
	ln_cleanup
	[ -n "$hugepages_before" ] && echo "$hugepages_before" > "$NR_HUGEPAGES"
	rm -f "$out"
	rmdir "$MEMCG_ROOT"/zcrx-mem-* 2> /dev/null
}
trap cleanup EXIT

memcg_ready || exit 1

ln_setup > /dev/null || exit 1
ln_zc_queue 1 9000 || exit 1
hugepages_before=$(cat "$NR_HUGEPAGES")
echo $((hugepages_before + 512 / 2)) > "$NR_HUGEPAGES"

# hugepages_back: the last sink's huge pages are free again (they stay
# pinned until its page pool drained)
hugepages_back() {
	ln_flush_defer
	[ "$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)" -ge $((512 / 2)) ]
}

# charge NAME AREA_MB BUF: "SLAB VMALLOC OTHER" bytes charged to a fresh
# cgroup NAME while a sink with an AREA_MB area of BUF buffers listens
charge() {
	local cg=$MEMCG_ROOT/$1 huge= charge

	[ "$3" = 4k ] || huge="-L $3"
	memcg_run "$cg" ip netns exec "$LN_NS_B" "$SINK" -i "$LN_DEV_B" -q 1 \
		-p 9000 -4 -A "${2}M" $huge -r $RQ_ENTRIES -n 1 > "$out" 2>&1 ||
		return 1
	ln_wait 30 grep -q listening "$out" ||
		{ kill $memcg_pid 2> /dev/null; cat "$out" >&2; return 1; }
	charge=$(memcg_kernel "$cg")
	kill -INT $memcg_pid
	wait $memcg_pid
	ln_wait 30 hugepages_back || { echo "huge pages not back" >&2; return 1; }
	echo "$charge"
}

mkdir -p "$OUT"
{
	echo "zcrx kernel memory per byte of area, charged to the registering cgroup"
	echo "(refill ring of $RQ_ENTRIES entries in each; large minus small area)"
	printf '%8s %12s %10s %10s %10s %10s %9s\n' buffers area "slab B" \
		"vmalloc B" "other B" "B/buffer" "% area"
} | tee "$OUT/memory.txt"
n=0
while read -r buf small large; do
	n=$((n + 1))
	a=$(charge zcrx-mem-$n-s "$small" "$buf") || exit 1
	b=$(charge zcrx-mem-$n-l "$large" "$buf") || exit 1
	echo "$a $b" | awk -v buf="$buf" -v s="$small" -v l="$large" '{
		bytes = (l - s) * 1048576
		unit = buf == "4k" ? 4096 : 65536
		ds = $4 - $1; dv = $5 - $2; do_ = $6 - $3
		tot = ds + dv + do_
		printf "%8s %5d-%4d MiB %10d %10d %10d %10.1f %8.2f%%\n", buf, s, l,
		       ds, dv, do_, tot / (bytes / unit), 100 * tot / bytes
	}' | tee -a "$OUT/memory.txt"
	# the refill ring region, the same in both: in the small one's charge
done <<< "$CASES"
echo "refill ring: $RQ_ENTRIES entries of 16 B plus a 128 B header, in its own region" |
	tee -a "$OUT/memory.txt"
