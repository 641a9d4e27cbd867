#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 1800
#
# zcrx-echo on loopnic, set up like a physical NIC (lib/zcrx.sh): every
# connection to ZC_PORT lands on ZC_QUEUE, where zcrx-echo receives with
# RECV_ZC and sends the bytes back with SEND_ZC from the area. zcrx-send -e
# checks every byte that comes back; zcrx-echo -v checks every byte that
# arrives. The server copies nothing by construction; its totals say what
# the kernel copied: on the way in (its zcrx statistics) and on the way
# out (SEND_ZC's notifications, IORING_NOTIF_USAGE_ZC_COPIED). Both must
# be nothing: loopnic sums transmit checksums over the frags in place,
# as a NIC with checksum offload does.
#  1. IPv4, one connection of 256 MiB each way: nothing copied in or
#     out, every send notified;
#  2. IPv6, 16 connections sharing the queue, 256 MiB each way in all:
#     the same;
#  3. a client that stops reading until told to read on (SIGUSR1): the
#     server holds at most its window and stops reading, sleeps (almost
#     no CPU while nothing moves), loses nothing;
#  4. the server SIGKILLed mid-stream, and a new one on the same queue
#     echoes a whole stream again, zero-copy;
#  5. a flow on a queue without zero copy (RSS to queue 0): every byte
#     copied into the area, still echoed right, zero-copy out;
#  6. SIGINT while a client does not read: the server aborts that
#     connection (its sends would never be notified), returns every
#     buffer and exits 0 at once.
# Volumes are smaller on the debug kernel (ktap_scale). After each
# server, the provider is gone from the queue.
source "$(dirname "$0")/../lib/zcrx.sh"

ECHO=$LN_TOP/build/tools/zcrx-echo
SEND=$LN_TOP/build/tools/zcrx-send
MiB=$((1 << 20))

ktap_plan 6
zc_setup
[ -x "$ECHO" ] && [ -x "$SEND" ] || { ktap_info "no $ECHO or $SEND"; exit 1; }

# echo_start NAME PORT ARGS...: zcrx-echo on B's queue, JSON to
# $zc_tmp/NAME, checks to NAME.err; sets $echo_pid (zcrx-echo itself, as
# ip netns exec execs it) and returns once it listens
echo_start() {
	local out=$zc_tmp/$1 port=$2

	shift 2
	ip netns exec "$LN_NS_B" "$ECHO" -i "$LN_DEV_B" -q $ZC_QUEUE \
		-p "$port" -j -v "$@" > "$out" 2> "$out.err" &
	echo_pid=$!
	ln_wait 30 grep -q '"listening"' "$out"
}

# show NAME: what the server and the client said, into the test log
show() {
	sed 's/^/# zcrx-echo: /' "$zc_tmp/$1" "$zc_tmp/$1.err"
	[ -f "$zc_tmp/$1.send" ] && sed 's/^/# zcrx-send: /' "$zc_tmp/$1.send"
	return 0
}

# jget FILE EVENT KEY: KEY of the last EVENT object in a JSON-lines FILE,
# null if none. The tools print flat objects whose string values hold no
# quotes or commas; sed reads them in a fraction of python's start-up,
# which is seconds on the debug kernel.
jget() {
	local v

	v=$(sed -n "/^{\"event\":\"$2\"/s/.*[{,]\"$3\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" \
		"$1" | tail -n 1)
	v=${v#\"}
	v=${v%\"}
	echo "${v:-null}"
}

# total NAME KEY: KEY of the server's total
total() {
	jget "$zc_tmp/$1" total "$2"
}

# send NAME ADDR PORT ARGS...: zcrx-send -e from A, JSON to NAME.send
send() {
	local name=$1 addr=$2 port=$3 fam=-4

	shift 3
	case $addr in *:*) fam=-6 ;; esac
	in_a "$SEND" -e -j $fam -p "$port" "$@" "$addr" > "$zc_tmp/$name.send" 2>&1
}

# expect NAME KEY VALUE: the server's total says so, or tell
expect() {
	local v

	v=$(total "$1" "$2")
	[ "$v" = "$3" ] && return 0
	ktap_info "$1: $2 is $v, not $3"
	return 1
}

# echo_run NAME ADDR CONNS BYTES [SERVER ARGS...]: CONNS x BYTES echoed
# on ZC_PORT, verified both ends, nothing copied either way, every send
# notified; the server exits after CONNS connections and its provider is
# gone.
echo_run() {
	local name=$1 addr=$2 conns=$3 bytes=$4 rc=0 all

	shift 4
	all=$((conns * bytes))
	echo_start "$name" $ZC_PORT -n "$conns" "$@" || rc=1
	send "$name" "$addr" $ZC_PORT -c "$conns" -b "$bytes" || rc=1
	zc_reap "$echo_pid" 60 || rc=1
	[ "$(jget "$zc_tmp/$name.send" echo verify)" = ok ] || rc=1
	expect "$name" bytes_in $all || rc=1
	expect "$name" bytes_out $all || rc=1
	expect "$name" rx_copy_bytes 0 || rc=1
	expect "$name" tx_copy_bytes 0 || rc=1
	expect "$name" notifs "$(total "$name" sends)" || rc=1
	expect "$name" verify ok || rc=1
	ktap_info "$name: $(total "$name" sends) sends"
	zc_check_gone || rc=1
	[ $rc -eq 0 ] || show "$name"
	return $rc
}

# The debug kernel is here for KASAN and lockdep on every path, not for
# volume: a sixteenth there.
ZCRX_DEBUG_SCALE=16 ktap_scale bytes $((256 * MiB))

# 1.
echo_run v4 "$LN_ADDR4_B" 1 $bytes
ktap_result $? "IPv4, 1 connection: $((bytes / MiB)) MiB each way, verified both ends, nothing copied in or out, every send notified ($(total v4 seconds) s)"

# 2.
echo_run v6 "$LN_ADDR6_B" 16 $((bytes / 16)) -A 128M
ktap_result $? "IPv6, 16 connections on one queue: $((bytes / MiB)) MiB each way, verified, nothing copied in or out, every send notified ($(total v6 seconds) s)"

# 3. A 1 MiB window, a client that stops reading after 4 MiB came back,
# until the test has seen the server stop and measured its CPU. The
# stream is longer than what the sockets in between can hold, so the
# server must stop reading; its instance then takes no byte (settled), and
# over one second of that it may use almost no CPU. The server stops
# with 6-7 MiB received (4 MiB echoed, its window, what the sockets hold);
# 16 MiB leave a margin. Not scaled: less would not fill the way back.
pbytes=$((16 * MiB))
rx_last=-1 rx_since=0
# settled PID: PID's instance took more than the client reads before its
# pause, and then no byte for 2 s
settled() {
	local zc

	zc=$(zc_info "$1" zc_bytes)
	if [ "$zc" != "$rx_last" ]; then
		rx_last=$zc rx_since=$SECONDS
		return 1
	fi
	[ "${zc:-0}" -gt $((4 * MiB)) ] && [ $((SECONDS - rx_since)) -ge 2 ]
}
# cpu_ticks PID: user and system time of PID, in clock ticks
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
rc=0
echo_start pause $ZC_PORT -n 1 -B 1M || rc=1
send pause "$LN_ADDR4_B" $ZC_PORT -b "$pbytes" -P 4M:600 &
client=$!	# send's subshell: zcrx-send is its child
if ln_wait 60 settled "$echo_pid"; then
	t0=$(cpu_ticks "$echo_pid")
	sleep 1		# CPU time needs a time to be measured over
	ticks=$(($(cpu_ticks "$echo_pid") - t0))
else
	ktap_info "the server kept reading while the client did not"
	rc=1
fi
pkill -USR1 -P "$client"
zc_reap "$client" 120 || rc=1
zc_reap "$echo_pid" 60 || rc=1
[ "$(jget "$zc_tmp/pause.send" echo verify)" = ok ] || rc=1
paused=$(jget "$zc_tmp/pause.send" conn paused)
stalls=$(jget "$zc_tmp/pause" conn stalls)
held=$(jget "$zc_tmp/pause" conn max_held)
hz=$(getconf CLK_TCK)
ktap_info "client did not read for $paused s; server: $stalls stalls, at most $held bytes held, ${ticks:-?} of $hz ticks CPU in a second without traffic, at $rx_last bytes received"
expect pause bytes_out "$pbytes" || rc=1
[ "${stalls:-0}" -ge 1 ] || rc=1
[ "${held:-0}" -le $MiB ] || rc=1
[ "${ticks:-$hz}" -le $((hz / 10)) ] || rc=1
zc_check_gone || rc=1
[ $rc -eq 0 ] || show pause
ktap_result $rc "a client that stops reading for ${paused:-?} s: the server holds at most its 1 MiB window and sleeps (${ticks:-?}/$hz s CPU in 1 s), then all $((pbytes / MiB)) MiB come back right"

# 4. SIGKILL mid-stream, then a new server on the same queue.
rc=0
echo_start killed $ZC_PORT || rc=1
ip netns exec "$LN_NS_A" "$SEND" -e -4 -p $ZC_PORT -t 600 "$LN_ADDR4_B" \
	> "$zc_tmp/killed.send" 2>&1 &
client=$!
ln_wait 30 zc_flowing "$echo_pid" || rc=1
kill -9 "$echo_pid"
zc_reap "$echo_pid" 10
zc_reap "$client" 30 && rc=1	# its echo broke off: it must fail
zc_check_gone || rc=1
[ $rc -eq 0 ] || show killed
ktap_scale rbytes $((64 * MiB))
echo_run restarted "$LN_ADDR4_B" 1 $rbytes || rc=1
ktap_result $rc "the server killed mid-stream, restarted on queue $ZC_QUEUE: $((rbytes / MiB)) MiB echoed right, zero-copy"

# 5. RSS puts ZC_OTHER_PORT on queue 0: the checks fail it, -f goes on.
ktap_scale cbytes $((32 * MiB))
rc=0
echo_start copy $ZC_OTHER_PORT -n 1 -f || rc=1
send copy "$LN_ADDR4_B" $ZC_OTHER_PORT -b "$cbytes" || rc=1
zc_reap "$echo_pid" 60 || rc=1
[ "$(jget "$zc_tmp/copy.send" echo verify)" = ok ] || rc=1
expect copy bytes_out "$cbytes" || rc=1
# The stats count copied frags; what loopnic copies into a small frame's
# skb head arrives by copy too, uncounted (zcrx ABI §9).
copied=$(total copy rx_copy_bytes)
ktap_info "copy: $copied of $cbytes bytes copied from frags into the area"
[ "${copied:-0}" -gt 0 ] && [ "$copied" -le "$cbytes" ] || rc=1
expect copy tx_copy_bytes 0 || rc=1
expect copy verify ok || rc=1
zc_check_gone || rc=1
[ $rc -eq 0 ] || show copy
ktap_result $rc "a flow on a queue without zero copy: $((cbytes / MiB)) MiB copied into the area, echoed right from it, zero-copy"

# 6. The server stopped while its sends wait on a client that does not read.
rc=0
echo_start sigint $ZC_PORT -B 1M || rc=1
ip netns exec "$LN_NS_A" "$SEND" -e -4 -j -p $ZC_PORT -b $pbytes -P 4M:600 \
	"$LN_ADDR4_B" > "$zc_tmp/sigint.send" 2>&1 &
client=$!
rx_last=-1
ln_wait 60 settled "$echo_pid" || rc=1
t0=$SECONDS
kill -INT "$echo_pid"
zc_reap "$echo_pid" 20 || rc=1
took=$((SECONDS - t0))
ktap_info "the server exited $took s after SIGINT; $(total sigint notifs) notifications of $(total sigint sends) sends, $(total sigint late_notifs) late ones of sends cancelled unsent"
[ "$(jget "$zc_tmp/sigint" conn end)" = interrupted ] || rc=1
# every send's notification came (none left at exit), none unknown
grep -E "did not end|unknown send" "$zc_tmp/sigint.err" && rc=1
zc_reap "$client" 30	# its echo broke off
zc_check_gone || rc=1
[ $rc -eq 0 ] || show sigint
ktap_result $rc "SIGINT with a client that does not read: the stalled connection aborted, every send notified, exit 0 in $took s"
ktap_finish
