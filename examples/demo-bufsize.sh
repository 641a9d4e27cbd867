#!/bin/bash
# make run, after scripts/demo.sh: large rx buffers. The same stream goes
# into zcrx-sink twice over a loopnic pair at MTU 9000, once with 4 KiB
# buffers (the default) and once with 64 KiB buffers, which must lie in
# physically contiguous memory: the sink puts that area on 2 MiB huge
# pages, which this script reserves for the run and gives back after.
# What to notice: a 9000-byte frame fills three 4 KiB buffers, so three
# completions, but mostly fits in one 64 KiB buffer, where the NIC packs
# frames back to back. Runs in the VM, as root:
#   examples/demo-bufsize.sh
source "$(dirname "$0")/../tests/lib/loopnic.sh"

SINK=$LN_TOP/build/tools/zcrx-sink
SEND=$LN_TOP/build/tools/zcrx-send
PORT=9000
MTU=9000
AREA_MB=32
BYTES=$((64 << 20))
NR_HUGEPAGES=/proc/sys/vm/nr_hugepages

hugepages_before=
out=$(mktemp)

cleanup() {
	ln_cleanup
	# after the sink that used them is gone
	if [ -n "$hugepages_before" ]; then
		echo "$hugepages_before" > "$NR_HUGEPAGES"
		echo "  sysctl -w vm.nr_hugepages=$hugepages_before  (given back)"
	fi
	rm -f "$out"
}
trap cleanup EXIT

ln_setup > /dev/null || { echo "demo: cannot create the loopnic pair"; exit 1; }
ln_hds "$LN_NS_B" "$LN_DEV_B" on
in_b ethtool -X "$LN_DEV_B" weight 1 0
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $PORT action 1 > /dev/null
in_a ip link set "$LN_DEV_A" mtu $MTU
in_b ip link set "$LN_DEV_B" mtu $MTU

echo
echo "large rx buffers: $LN_DEV_A -> $LN_DEV_B at MTU $MTU, one stream of $((BYTES >> 20)) MiB into a $AREA_MB MiB area"

# ready PID: the sink listens, or is gone
ready() {
	grep -q '"event":"listening"' "$out" || ! kill -0 "$1" 2>/dev/null
}

# run LABEL SINK_OPTIONS...: one verified stream into the sink; prints
# "BYTES CQES CQES_PER_MIB GBPS CPU_SYS" from its totals
run() {
	local label=$1 sink

	shift
	echo "  zcrx-sink -i $LN_DEV_B -q 1 -p $PORT -4 -v -j -n 1 -A ${AREA_MB}M $*  ($label)" >&2
	in_b "$SINK" -i "$LN_DEV_B" -q 1 -p $PORT -4 -v -j -n 1 \
		-A ${AREA_MB}M "$@" > "$out" 2>&1 &
	sink=$!
	ln_wait 20 ready $sink
	if ! grep -q '"event":"listening"' "$out"; then
		kill $sink 2>/dev/null
		wait $sink
		sed 's/^/    sink: /' "$out" >&2
		return 1
	fi
	# a sender that fails leaves the sink waiting for its connection
	in_a "$SEND" -p $PORT -4 -c 1 -b $BYTES -s "$LN_ADDR4_B" > /dev/null ||
		kill $sink 2>/dev/null
	if ! wait $sink; then
		sed 's/^/    sink: /' "$out" >&2
		return 1
	fi
	python3 -c '
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
t = [o for o in objs if o["event"] == "total"][0]
assert t["verify"] == "ok" and t["bytes"] == int(sys.argv[2]), t
print(t["bytes"], t["cqes"], t["cqes_per_mib"], t["gbps"], t["cpu_sys"])
' "$out" "$BYTES"
}

# report LABEL "BYTES CQES PER_MIB GBPS CPU_SYS"
report() {
	local bytes cqes per gbps cpu

	read -r bytes cqes per gbps cpu <<< "$2"
	printf '  %-15s %s bytes verified, %s completions (%s per MiB), %s Gbit/s, sink %s s system CPU\n' \
		"$1:" "$bytes" "$cqes" "$per" "$gbps" "$cpu"
}

small=$(run "4 KiB buffers, the default") || {
	echo "demo: the 4 KiB run failed"
	exit 1
}
report "4 KiB buffers" "$small"

# 64 KiB buffers: the area in 2 MiB huge pages, reserved for this run
need=$((AREA_MB / 2))
hugepages_before=$(cat "$NR_HUGEPAGES")
echo "  sysctl -w vm.nr_hugepages=$((hugepages_before + need))  ($need huge pages of 2 MiB for the area)"
echo $((hugepages_before + need)) > "$NR_HUGEPAGES"
free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
if [ "$free" -lt $need ]; then
	echo "demo: the kernel found only $free free huge pages, $need wanted"
	exit 1
fi
large=$(run "64 KiB buffers, on huge pages" -L 64k) || {
	echo "demo: the 64 KiB run failed"
	exit 1
}
report "64 KiB buffers" "$large"

read -r _ _ small_per _ _ <<< "$small"
read -r _ _ large_per _ _ <<< "$large"
awk -v s="$small_per" -v l="$large_per" 'BEGIN {
	if (l > 0 && l < s)
		printf "  64 KiB buffers took %.1fx fewer completions per MiB: a frame of 8948 payload\n" \
		       "  bytes needs three 4 KiB buffers, so three completions, and mostly fits in one\n" \
		       "  64 KiB buffer, where the NIC packs frames back to back (so completions start\n" \
		       "  anywhere inside a buffer): fewer buffers to handle and return per byte\n", s / l
	else
		printf "  64 KiB buffers took %s completions per MiB against %s: no fewer this time\n", l, s
}'
