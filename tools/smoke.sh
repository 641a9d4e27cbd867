#!/bin/bash
# Host-side smoke test of zcrx-sink, zcrx-echo, zcrx-send and echo-plain;
# needs no zcrx kernel and no NIC, and changes nothing on the host (make
# check runs it). It checks option parsing,
# that the sink's checks explain why lo cannot do zero-copy receive (and
# exit 2 without crashing), that --nodev either receives a stream over lo
# or says what the kernel lacks, that large buffers (-L) and --dmabuf
# check the huge-page pool and udmabuf before anything is allocated, and
# that zcrx-send's stream passes pstream's pattern check, and that its
# echo client (-e, -P, -m) checks what echo-plain sends back.
#
#   tools/smoke.sh [BINDIR [PSTREAM]]
#
# BINDIR holds the tools (default build/tools); PSTREAM
# is tests/tools/pstream built (default build/tests/tools/pstream; that
# case is skipped without it). KTAP on stdout.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/lib/ktap.sh"

bin=${1:-$here/../build/tools}
pstream=${2:-$here/../build/tests/tools/pstream}
sink=$bin/zcrx-sink
send=$bin/zcrx-send
echo=$bin/zcrx-echo
plain=$bin/echo-plain
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# A port nobody is likely to use; the sink binds it before its checks.
port=$((20000 + RANDOM % 20000))

# expect NAME STATUS TEXT CMD...: CMD exits with STATUS and its output
# (stdout and stderr) contains TEXT.
expect() {
	local name=$1 want=$2 text=$3 rc

	shift 3
	"$@" >"$out" 2>&1
	rc=$?
	if [ $rc -ne "$want" ] || ! grep -qF -- "$text" "$out"; then
		ktap_info "$*: exit $rc (want $want), output:"
		sed 's/^/#   /' "$out"
		ktap_result 1 "$name"
		return
	fi
	ktap_result 0 "$name"
}

ktap_plan 32

for b in "$sink" "$send" "$echo" "$plain"; do
	if [ ! -x "$b" ]; then
		ktap_info "$b is missing: make -C tools O=... first"
		exit 1
	fi
done

expect "sink -h prints the usage" 0 "usage: zcrx-sink" "$sink" -h
expect "sink wants -i" 2 "-i IF is required" "$sink" -q 0
expect "sink wants -q" 2 "-q QUEUE is required" "$sink" -i lo
expect "sink refuses a bad size" 2 "-A wants a size" "$sink" -i lo -q 0 -A 12x
expect "sink refuses a buffer length that is no power of two" 2 \
	"-L wants a power of two" "$sink" -i lo -q 0 -L 1000
expect "sink refuses -4 with -6" 2 "exclude each other" "$sink" -i lo -q 0 -4 -6
expect "sink refuses an IPv4 address with -6" 2 "-6 with the IPv4 address" \
	"$sink" -i lo -q 0 -6 -a 127.0.0.1
expect "sink refuses a CQ smaller than the SQ" 2 "is smaller than" \
	"$sink" -i lo -q 0 -S 64 -C 8
expect "sink refuses budget 0" 2 "-B wants a budget" "$sink" -i lo -q 0 -B 0
expect "sink -h tells of --nodev" 0 "--nodev" "$sink" -h
expect "sink --nodev refuses -i" 2 "--nodev takes no -i or -q" \
	"$sink" --nodev -i lo
expect "sink --nodev refuses buffers above a page" 2 "page-sized buffers" \
	"$sink" --nodev -L 64k
expect "sink -h tells of --dmabuf" 0 "--dmabuf" "$sink" -h
expect "sink refuses --dmabuf with --nodev" 2 "exclude each other" \
	"$sink" --dmabuf --nodev
expect "sink refuses -H with --dmabuf" 2 "-H is for areas in our own memory" \
	"$sink" --dmabuf -H -i lo -q 0
expect "sink --dmabuf refuses buffers above a huge page" 2 "--dmabuf takes -L up to" \
	"$sink" --dmabuf -L 4M -i lo -q 0

# lo has no header split and cannot report rings: the sink must say so
# and stop before registering, whoever runs it.
expect "sink explains that lo has no tcp-data-split" 2 "tcp-data-split" \
	"$sink" -i lo -q 0 -p $port
expect "sink explains that lo has no queue 7" 2 "queue 7 does not exist" \
	"$sink" -i lo -q 7 -p $port
expect "sink explains a missing interface" 2 "no interface nosuch0" \
	"$sink" -i nosuch0 -q 0 -p $port
# Whatever the host's pool holds, -L above a page means huge pages: the
# check either counts them or prints the sysctl that reserves them.
expect "sink checks the huge pages that -L 64k needs" 2 "huge pages of" \
	"$sink" -i lo -q 0 -p $port -L 64k
# No udmabuf limit is near 100 GiB; the check says which one it found.
expect "sink --dmabuf checks udmabuf's size limit" 2 "size_limit_mb" \
	"$sink" --dmabuf -i lo -q 0 -p $port -A 100G

# --nodev needs no NIC: on a kernel with no-device instances it receives
# a stream over lo, copied and verified; elsewhere it says what is missing.
"$sink" --nodev -j -v -n 1 -p $port > "$out" 2>&1 &
sinkpid=$!
for _ in $(seq 100); do
	grep -q '"event":"listening"' "$out" && break
	kill -0 $sinkpid 2>/dev/null || break
	sleep 0.1
done
if grep -q '"event":"listening"' "$out"; then
	"$send" -s -w 5 -p $port -b 3000001 127.0.0.1 > "$out.send" 2>&1
fi
wait $sinkpid
rc=$?
if [ $rc -eq 0 ] && grep -q '"event":"total","conns":1,"bytes":3000001,"zc_bytes":0,"copy_bytes":3000001' "$out" &&
   grep -q '"verify":"ok"' "$out"; then
	ktap_result 0 "sink --nodev receives a stream over lo, every byte copied"
elif [ $rc -eq 2 ] && grep -qE "zcrx features|ZCRX_REG_NODEV|IORING_OP_RECV_ZC" "$out"; then
	ktap_info "$(grep -m1 -E 'FAIL|failed' "$out")"
	ktap_result 0 "sink --nodev says what this kernel lacks"
else
	ktap_info "exit $rc, output:"
	sed 's/^/#   /' "$out" "$out.send"
	ktap_result 1 "sink --nodev receives a stream over lo, or says what the kernel lacks"
fi
rm -f "$out.send"
port=$((port + 1))

expect "send -h prints the usage" 0 "usage: zcrx-send" "$send" -h
expect "send refuses -b with -t" 2 "exclude each other" "$send" -b 1M -t 1 ::1
expect "send fails when nobody listens" 1 "Connection refused" \
	"$send" -w 0 -p $port 127.0.0.1

# zcrx-send and pstream must agree on the pattern byte for byte.
if [ -x "$pstream" ]; then
	"$pstream" recv -p $port -c 2 -b 3000001 -t 30 >"$out.recv" 2>&1 &
	recv=$!
	"$send" -s -w 10 -p $port -c 2 -b 3000001 127.0.0.1 >/dev/null 2>&1
	rc=$?
	wait $recv
	rc=$((rc | $?))
	[ $rc -eq 0 ] || sed 's/^/#   /' "$out.recv"
	rm -f "$out.recv"
	ktap_result $rc "send's stream passes pstream's pattern check"
else
	ktap_skip "send's stream passes pstream's pattern check" "no $pstream"
fi

# zcrx-echo is the sink's checks under its own name.
expect "echo -h prints the usage" 0 "usage: zcrx-echo" "$echo" -h
expect "echo explains that lo has no tcp-data-split" 2 "zcrx-echo: 1 problem" \
	"$echo" -i lo -q 0 -p $port -4
expect "send refuses -m with -b" 2 "no -b, -t or -P" "$send" -m 4k -b 1M ::1

# The echo client against the copying echo server: streams, a pause in
# reading, ping-pong.
port=$((port + 1))
"$plain" -p $port -n 4 -s > "$out.plain" 2>&1 &
plainpid=$!
expect "send -e: two echoed streams come back verified" 0 "verify ok" \
	"$send" -e -w 5 -c 2 -b 3000001 -p $port 127.0.0.1
expect "send -e -P: reading paused for 1 s, then verified" 0 "not read for 1" \
	"$send" -e -w 5 -b 8M -P 1M:1 -p $port 127.0.0.1
expect "send -m: ping-pong prints round-trip percentiles" 0 "p99" \
	"$send" -m 1000 -n 200 -w 5 -p $port 127.0.0.1
wait $plainpid || sed 's/^/#   /' "$out.plain"
rm -f "$out.plain"

ktap_finish
