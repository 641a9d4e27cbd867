#!/bin/bash
# fio's net engine against the fio zcrx engine (fio/zcrx.c) on the same
# loopnic setup: the same sender job (bench/fio/net-send.fio) streams
# SIZE bytes into bench/fio/net-recv.fio (recv()) and into
# bench/fio/zcrx-recv.fio (RECV_ZC on the steered queue, copied into
# fio's buffers), runs alternating; the table has the median of RUNS.
# Runs in the VM:
#   make bench
# The rate is SIZE over the sender job's runtime: the receivers read
# until the sender closes (fio 3.33's net engine cannot stop at a byte
# count, see net-recv.fio), and the sender can only run as fast as the
# receiver reads, up to the few MB the socket buffers hold.
# A TCG guest has no DMA and a slow CPU: the ratio is what this emulated
# path gives, not what a NIC would.
source "$(dirname "$0")/../tests/lib/loopnic.sh"

export ENGINE=$LN_TOP/build/fio/zcrx.so
export SIZE=${SIZE:-$((256 << 20))} BS=${BS:-128k} PORT=9000 QUEUE=1
export IFACE=$LN_DEV_B HOST=$LN_ADDR4_B RUNTIME=600
RUNS=${RUNS:-3}
jobs=$LN_TOP/bench/fio

[ -f "$ENGINE" ] || { echo "no $ENGINE (make userspace)"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out" "$out.send"; ln_cleanup' EXIT
ln_setup > /dev/null || exit 1
in_b ethtool -L "$LN_DEV_B" combined 2
in_b ethtool -X "$LN_DEV_B" equal 1
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $PORT action $QUEUE > /dev/null
ln_hds "$LN_NS_B" "$LN_DEV_B" on

listening() {
	in_b ss -Hltn "sport = :$PORT" | grep -q .
}

receiver_gone() {
	[ -z "$(ip netns pids "$LN_NS_B")" ]
}

# json FILE: the JSON object fio wrote after its other output
json() {
	python3 -c '
import json, re, sys
text = open(sys.argv[1]).read()
print(json.dumps(json.loads(text[re.search(r"^\{", text, re.M).start():])))
' "$1"
}

# rate JOB: MB/s of one run of receiving job JOB
rate() {
	in_b fio --output-format=json "$jobs/$1.fio" > "$out" 2>&1 &
	ln_wait 30 listening || { cat "$out" >&2; return 1; }
	in_a fio --output-format=json "$jobs/net-send.fio" > "$out.send" 2>&1 ||
		{ cat "$out.send" >&2; return 1; }
	# the zcrx job ends at the end of the stream, the net job never does
	ln_wait 60 receiver_gone ||
		{ ip netns pids "$LN_NS_B" | xargs -r kill; ln_wait 30 receiver_gone; }
	wait
	if [ "$1" = zcrx-recv ]; then
		# every byte through the area, none copied by the kernel
		grep -qE "^zcrx: .* zc_bytes=[0-9]+ copy_bytes=0 " "$out" ||
			{ cat "$out" >&2; return 1; }
		[ "$(sed -n 's/^zcrx: .* bytes=\([0-9]*\) zc_bytes.*/\1/p' "$out")" -ge "$SIZE" ] ||
			{ cat "$out" >&2; return 1; }
	fi
	json "$out.send" | python3 -c '
import json, sys
job = json.load(sys.stdin)["jobs"][0]
assert job["error"] == 0 and job["write"]["io_bytes"] == int(sys.argv[1]), job
print("%.1f" % (int(sys.argv[1]) / (job["write"]["runtime"] / 1000) / 1e6))
' "$SIZE"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

net=() zc=()
for run in $(seq "$RUNS"); do
	n=$(rate net-recv) && [ -n "$n" ] || { echo "net run $run failed"; exit 1; }
	z=$(rate zcrx-recv) && [ -n "$z" ] || { echo "zcrx run $run failed"; exit 1; }
	echo "run $run: fio net $n MB/s, fio zcrx $z MB/s"
	net+=("$n") zc+=("$z")
done
n=$(printf '%s\n' "${net[@]}" | median)
z=$(printf '%s\n' "${zc[@]}" | median)
echo "fio net vs fio zcrx, one TCP stream of $((SIZE >> 20)) MiB in $BS blocks, median of $RUNS runs:"
printf '  %-6s %8s\n' engine MB/s net "$n" zcrx "$z"
echo "  ratio zcrx/net: $(awk "BEGIN { printf \"%.2f\", $z / $n }")"
