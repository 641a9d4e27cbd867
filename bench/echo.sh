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
# zcrx-echo runs with page-sized buffers, where at MTU 1500 every frame
# has a buffer of its own and every send is one frame's payload, and,
# when 2 MiB huge pages can be had, with 64 KiB buffers, into which the
# NIC packs frames back to back, so sends cover many frames. The table
# also says how many bytes a send carried, and how many of the bytes sent
# the stack copied (none on loopnic, whose checksum offload reads the
# frags in place: see Documentation/zcrx-echo.md).
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

# server KIND: start it for one connection; sets $server
server() {
	case $1 in
	plain)
		in_b "$PLAIN" -p $PORT -4 -j -n 1 > "$out" 2>&1 & ;;
	zcrx)
		in_b "$ECHO" -i "$LN_DEV_B" -q $ZC_QUEUE -p $PORT -4 -j -n 1 \
			-A 64M > "$out" 2>&1 & ;;
	zcrx64k)
		in_b "$ECHO" -i "$LN_DEV_B" -q $ZC_QUEUE -p $PORT -4 -j -n 1 \
			-A 64M -L 64k > "$out" 2>&1 & ;;
	esac
	server=$!
	ln_wait 20 grep -q listening "$out"
}

# served KIND: the server's total, checked (the kernel copied nothing
# into zcrx-echo's area); "BYTES_PER_SEND TX_COPIED_PERCENT" for zcrx-echo.
# Its instance is gone before the next server, and with it the pins on
# the area's huge pages.
served() {
	wait $server || { cat "$out" >&2; return 1; }
	[ "$1" = plain ] && return 0
	zc_check_gone > /dev/null || return 1
	python3 -c '
import json, sys
t = [json.loads(l) for l in open(sys.argv[1]) if "\"total\"" in l][0]
assert t["rx_copy_bytes"] == 0, t
print("%.0f %.0f" % (t["bytes_out"] / max(t["sends"], 1),
                     100.0 * t["tx_copy_bytes"] / max(t["bytes_out"], 1)))
' "$out" > "$out.sends"
}

# rate KIND: MB/s each way of one verified echo stream
rate() {
	server "$1" || return 1
	in_a "$SEND" -e -j -4 -p $PORT -b "$BYTES" "$LN_ADDR4_B" > "$out.send" ||
		return 1
	served "$1" || return 1
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
	served "$1" || return 1
	python3 -c '
import json, sys
r = [json.loads(l) for l in open(sys.argv[1]) if "\"rtt\"" in l][0]
print("%.1f %.1f" % (r["p50_us"], r["p99_us"]))
' "$out.send"
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

kinds="zcrx plain"
if zc_hugepages 40 > /dev/null; then
	kinds="zcrx zcrx64k plain"
else
	echo "no 2 MiB huge pages: zcrx-echo with 64 KiB buffers left out"
fi
declare -A rates p50 p99 per_send copied
for run in $(seq "$RUNS"); do
	line="run $run:"
	for k in $kinds; do
		r=$(rate "$k") && [ -n "$r" ] || { echo "$k stream, run $run, failed"; cat "$out"; exit 1; }
		[ "$k" = plain ] || read -r b c < "$out.sends"
		l=$(pingpong "$k") && [ -n "$l" ] || { echo "$k ping-pong, run $run, failed"; cat "$out" "$out.send"; exit 1; }
		rates[$k]+=" $r" p50[$k]+=" ${l% *}" p99[$k]+=" ${l#* }"
		[ "$k" = plain ] || per_send[$k]+=" $b" copied[$k]+=" $c"
		line+=" $k $r MB/s, rtt p50/p99 ${l/ //} us;"
	done
	echo "$line"
done
med() { printf '%s\n' $1 | median; }
name() {
	case $1 in
	zcrx) echo "zcrx-echo, 4 KiB buffers" ;;
	zcrx64k) echo "zcrx-echo, 64 KiB buffers" ;;
	plain) echo "echo-plain (recv + send)" ;;
	esac
}
echo "echo over loopnic, median of $RUNS alternating runs:"
echo "| server | stream MB/s each way ($((BYTES >> 20)) MiB) | bytes per send | sent bytes the stack copied | ping-pong p50 us ($MSG B) | p99 us |"
echo "|---|---|---|---|---|---|"
for k in $kinds; do
	if [ "$k" = plain ]; then
		b="-" c="all (recv and send copy)"
	else
		b=$(med "${per_send[$k]}") c="$(med "${copied[$k]}") %"
	fi
	echo "| $(name "$k") | $(med "${rates[$k]}") | $b | $c | $(med "${p50[$k]}") | $(med "${p99[$k]}") |"
done
