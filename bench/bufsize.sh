#!/bin/bash
# Rx buffer sizes: one TCP stream from pstream's sender into
# tools/zcrx-sink with rx_buf_len 4 KiB, 16 KiB, 32 KiB and 64 KiB, at
# MTU 1500 and 9000 (set on both loopnic ports), on the setup of
# zcrx_vs_recv.sh: the stream steered to queue 1, header split on, the
# sink checking every byte. Each round runs every size at every MTU in
# turn, so drift hits all of them alike; the table has the median of
# RUNS rounds (at least 3) of throughput, completions per MiB and the
# sink's CPU time per GiB. Buffers above a page need the area on huge
# pages: they are reserved here and given back at the end. Runs in the VM:
#   make bench
# A TCG guest has no DMA and a slow CPU: the numbers compare the sizes on
# this emulated path, not what a NIC would do.
#
# Throughput and the sink's own CPU time (getrusage: RECV_ZC's work runs
# in the sink's task, the NIC's receive softirq mostly does not) are what
# we can measure today. Once the performance issue's receive-CPU method
# exists, it replaces this throughput-only method here.
source "$(dirname "$0")/../tests/lib/loopnic.sh"

SINK=$LN_TOP/build/tools/zcrx-sink
BYTES=${BYTES:-$((128 << 20))}
RUNS=${RUNS:-3}
SIZES="4 16 32 64"		# KiB
MTUS="1500 9000"
AREA_MB=64
PORT=9000
NR_HUGEPAGES=/proc/sys/vm/nr_hugepages

[ "$RUNS" -ge 3 ] || { echo "RUNS must be at least 3 for a median"; exit 2; }

hugepages_before=
out=$(mktemp)
results=$(mktemp)
cleanup() {
	ln_cleanup
	# after the sinks that used them are gone
	[ -n "$hugepages_before" ] && echo "$hugepages_before" > "$NR_HUGEPAGES"
	rm -f "$out" "$results"
}
trap cleanup EXIT

ln_setup > /dev/null || exit 1
in_b ethtool -L "$LN_DEV_B" combined 2
in_b ethtool -X "$LN_DEV_B" equal 1
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $PORT action 1 > /dev/null
ln_hds "$LN_NS_B" "$LN_DEV_B" on

# The area of the large sizes in 2 MiB huge pages
need=$((AREA_MB / 2))
hugepages_before=$(cat "$NR_HUGEPAGES")
echo $((hugepages_before + need)) > "$NR_HUGEPAGES"
free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if [ "$free" -lt $need ]; then
	echo "only $free huge pages free after sysctl -w vm.nr_hugepages=$((hugepages_before + need)), $need wanted"
	exit 1
fi

set_mtu() {
	in_a ip link set "$LN_DEV_A" mtu "$1"
	in_b ip link set "$LN_DEV_B" mtu "$1"
}

send() {
	in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $PORT -b "$BYTES" -c 1 \
		> /dev/null
}

# hugepages_back: the last sink's area is free again. It stays pinned
# until the sink's old page pool has drained, which may be after the sink
# exited.
hugepages_back() {
	ln_flush_defer
	[ "$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)" -ge $need ]
}

# one_run KIB: "MB/s CQES_PER_MIB CPU_S_PER_GIB" of one stream into the
# sink with KIB KiB buffers, all zero-copy and verified
one_run() {
	if ! ln_wait 30 hugepages_back; then
		echo "the last sink's huge pages are not free after 30 s" >&2
		return 1
	fi
	in_b "$SINK" -i "$LN_DEV_B" -q 1 -p $PORT -4 -v -j -n 1 \
		-A ${AREA_MB}M -L "$1k" > "$out" 2>&1 &
	local sink=$!

	ln_wait 20 grep -q listening "$out" || { kill $sink 2>/dev/null; cat "$out" >&2; return 1; }
	send || { kill $sink 2>/dev/null; wait $sink; cat "$out" >&2; return 1; }
	wait $sink || { cat "$out" >&2; return 1; }
	python3 -c '
import json, sys
t = [json.loads(l) for l in open(sys.argv[1]) if "\"total\"" in l][0]
assert t["verify"] == "ok" and t["bytes"] == int(sys.argv[2]), t
assert t["copy_bytes"] == 0, t
assert t["rx_buf_len"] == int(sys.argv[3]) << 10, t
cpu = t["cpu_user"] + t["cpu_sys"]
print("%.1f %.1f %.3f" % (t["bytes"] / t["seconds"] / 1e6, t["cqes_per_mib"],
                          cpu / (t["bytes"] / (1 << 30))))
' "$out" "$BYTES" "$1"
}

for run in $(seq "$RUNS"); do
	for mtu in $MTUS; do
		set_mtu "$mtu"
		for kib in $SIZES; do
			r=$(one_run "$kib") && [ -n "$r" ] || {
				echo "run $run, MTU $mtu, $kib KiB buffers failed"
				exit 1
			}
			echo "run $run: MTU $mtu, $kib KiB buffers: $r (MB/s, cqes/MiB, sink CPU s/GiB)"
			echo "$mtu $kib $r" >> "$results"
		done
	done
done
set_mtu 1500

echo "zcrx-sink by rx buffer size, one stream of $((BYTES >> 20)) MiB, median of $RUNS runs:"
printf '%6s %10s %10s %10s %16s\n' MTU rx_buf_len MB/s cqes/MiB "sink CPU s/GiB"
for mtu in $MTUS; do
	for kib in $SIZES; do
		awk -v m="$mtu" -v k="$kib" '
		function median(a, n,    i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return a[int((n + 1) / 2)]
		}
		$1 == m && $2 == k { n++; rate[n] = $3; cqes[n] = $4; cpu[n] = $5 }
		END {
			printf "%6s %6s KiB %10.1f %10.1f %16.3f\n", m, k,
			       median(rate, n), median(cqes, n), median(cpu, n)
		}' "$results"
	done
done
