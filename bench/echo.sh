#!/bin/bash
# zcrx-echo against echo-plain (recv() and send() on epoll) on the same
# loopnic setup: port 9000 steered to queue 1 with header split on, the
# client (zcrx-send) in the other namespace. Two measurements, each in
# RUNS alternating runs, the median printed:
#  - throughput: one connection streams BYTES and reads the echo back,
#    every byte checked; MB/s each way, from the client's first byte to
#    the server's FIN after the last echoed one;
#  - ping-pong: MSGS messages of MSG bytes, one at a time; round-trip
#    p50 and p99 in microseconds.
# Runs in the VM:
#   make bench
# A TCG guest has no DMA and a slow CPU: the ratio says what skipping both
# copies is worth on this emulated path, not what a NIC would do.
source "$(dirname "$0")/../tests/lib/zcrx.sh"

ECHO=$LN_TOP/build/tools/zcrx-echo
PLAIN=$LN_TOP/build/tools/echo-plain
SEND=$LN_TOP/build/tools/zcrx-send
BYTES=${BYTES:-$((128 << 20))}
MSG=${MSG:-4096}
MSGS=${MSGS:-2000}
RUNS=${RUNS:-3}
PORT=$ZC_PORT

# the tests' setup: PORT steered to queue ZC_QUEUE, header split on
zc_setup > /dev/null
out=$zc_tmp/out

# server zcrx|plain: start it for one connection; sets $server
server() {
	if [ "$1" = zcrx ]; then
		in_b "$ECHO" -i "$LN_DEV_B" -q $ZC_QUEUE -p $PORT -4 -j -n 1 -A 64M \
			> "$out" 2>&1 &
	else
		in_b "$PLAIN" -p $PORT -4 -j -n 1 > "$out" 2>&1 &
	fi
	server=$!
	ln_wait 20 grep -q listening "$out"
}

# check KIND: the kernel copied nothing into zcrx-echo's area (what it
# copied on the way out, loopnic's software checksum, is in the table)
check() {
	[ "$1" = zcrx ] || return 0
	python3 -c '
import json, sys
t = [json.loads(l) for l in open(sys.argv[1]) if "\"total\"" in l][0]
assert t["rx_copy_bytes"] == 0, t
' "$out"
}

# rate KIND: MB/s each way of one verified echo stream
rate() {
	server "$1" || return 1
	in_a "$SEND" -e -j -4 -p $PORT -b "$BYTES" "$LN_ADDR4_B" > "$out.send" ||
		return 1
	wait $server || { cat "$out" >&2; return 1; }
	check "$1" || return 1
	python3 -c '
import json, sys
t = [json.loads(l) for l in open(sys.argv[1]) if "\"total\"" in l][0]
e = [json.loads(l) for l in open(sys.argv[1]) if "\"echo\"" in l][0]
assert e["verify"] == "ok" and e["echoed"] == int(sys.argv[2]), e
print("%.1f" % (t["bytes"] / t["seconds"] / 1e6))
' "$out.send" "$BYTES"
}

# pingpong KIND: "P50 P99" round trips in microseconds
pingpong() {
	server "$1" || return 1
	in_a "$SEND" -m "$MSG" -n "$MSGS" -j -4 -p $PORT "$LN_ADDR4_B" \
		> "$out.send" || return 1
	wait $server || { cat "$out" >&2; return 1; }
	check "$1" || return 1
	python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if "\"rtt\"" in l][0]
print("%.1f %.1f" % (r["p50_us"], r["p99_us"]))
' "$out.send"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

zr=() pr=() z50=() z99=() p50=() p99=()
for run in $(seq "$RUNS"); do
	z=$(rate zcrx) && [ -n "$z" ] || { echo "zcrx-echo run $run failed"; exit 1; }
	p=$(rate plain) && [ -n "$p" ] || { echo "echo-plain run $run failed"; exit 1; }
	zl=$(pingpong zcrx) && [ -n "$zl" ] || { echo "zcrx-echo ping-pong $run failed"; exit 1; }
	pl=$(pingpong plain) && [ -n "$pl" ] || { echo "echo-plain ping-pong $run failed"; exit 1; }
	echo "run $run: stream zcrx-echo $z MB/s, echo-plain $p MB/s; ping-pong p50/p99 zcrx-echo ${zl/ //} us, echo-plain ${pl/ //} us"
	zr+=("$z") pr+=("$p")
	z50+=("${zl% *}") z99+=("${zl#* }") p50+=("${pl% *}") p99+=("${pl#* }")
done
med() { printf '%s\n' "$@" | median; }
echo "echo over loopnic, median of $RUNS alternating runs:"
echo "| server | stream MB/s each way ($((BYTES >> 20)) MiB) | ping-pong p50 us ($MSG B) | p99 us |"
echo "|---|---|---|---|"
echo "| zcrx-echo (RECV_ZC + SEND_ZC) | $(med "${zr[@]}") | $(med "${z50[@]}") | $(med "${z99[@]}") |"
echo "| echo-plain (recv + send) | $(med "${pr[@]}") | $(med "${p50[@]}") | $(med "${p99[@]}") |"
