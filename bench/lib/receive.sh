# The receive-cost setup of bench/receive_cost.sh and
# bench/receive_profile.sh, sourced by both.
#
# A loopnic pair; port B has two queues and the benchmark's port steered
# to queue 1 with header split on. The sender (pstream, with loopnic's
# emulated DMA copy in its transmit) runs on SEND_CPU; the receiving
# queue's interrupt, its NAPI and the receiving application all run on
# RECV_CPU, the "same core" setup. The script that sources this is pinned
# to SEND_CPU, so its own polling never counts as receive work.
#
# Receivers (rc_start): zcrx-4k, zcrx-16k, zcrx-64k... (tools/zcrx-sink
# with buffers of that size, those above a page on huge pages), recv and
# epoll (tools/recv-plain -m recv / -m epoll).
source "$(dirname "${BASH_SOURCE[0]}")/../../tests/lib/loopnic.sh"

SINK=${SINK:-$LN_TOP/build/tools/zcrx-sink}
PLAIN=$LN_TOP/build/tools/recv-plain
PERF=${PERF:-perf}
# In the VM only $ZCRX_IO is writable; make bench copies it to build/bench.
RC_OUT=${RC_OUT:-${ZCRX_IO:+$ZCRX_IO/bench}}
RC_OUT=${RC_OUT:-$LN_TOP/build/bench}
SEND_CPU=0
RECV_CPU=1
QUEUE=1
PORT=9000
AREA_MB=64
NR_HUGEPAGES=/proc/sys/vm/nr_hugepages

rc_hugepages_before=
rc_out=$(mktemp)

rc_cleanup() {
	ln_cleanup
	[ -n "$rc_hugepages_before" ] &&
		echo "$rc_hugepages_before" > "$NR_HUGEPAGES"
	rm -f "$rc_out"
}

# rc_irq_knob NS DEV: the debugfs file of DEV's rx interrupt CPUs
rc_irq_knob() {
	local port

	port=$(ip netns exec "$1" cat "/sys/class/net/$2/dev_port")
	echo "/sys/kernel/debug/loopnic/$LN_ID/port$port/irq_cpu"
}

# rc_irqs_to NS DEV CPU: every rx queue of DEV interrupts CPU
rc_irqs_to() {
	local knob q

	knob=$(rc_irq_knob "$1" "$2")
	for q in $(awk '{ print $1 }' "$knob"); do
		echo "$q $3" > "$knob" || return 1
	done
}

rc_hugepages_back() {
	ln_flush_defer
	[ "$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)" -ge $((AREA_MB / 2)) ]
}

# rc_setup: the pair, the steering, the CPUs and the huge pages
rc_setup() {
	local need=$((AREA_MB / 2)) free

	[ "$(nproc)" -ge 2 ] || { echo "needs two CPUs, has $(nproc)"; return 1; }
	taskset -pc $SEND_CPU $$ > /dev/null || return 1
	ln_setup > /dev/null || return 1
	ln_zc_queue $QUEUE $PORT || return 1
	# The ACKs the receiver sends back are the sender's receive work.
	rc_irqs_to "$LN_NS_B" "$LN_DEV_B" $RECV_CPU || return 1
	rc_irqs_to "$LN_NS_A" "$LN_DEV_A" $SEND_CPU || return 1

	rc_hugepages_before=$(cat "$NR_HUGEPAGES")
	echo $((rc_hugepages_before + need)) > "$NR_HUGEPAGES"
	free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	if [ "$free" -lt $need ]; then
		echo "only $free huge pages free, $need wanted for 64 KiB buffers"
		return 1
	fi
	mkdir -p "$RC_OUT"
}

rc_set_mtu() {
	in_a ip link set "$LN_DEV_A" mtu "$1"
	in_b ip link set "$LN_DEV_B" mtu "$1"
}

# rc_cpu_ticks CPU: "USER SYSTEM SOFTIRQ IRQ" of CPU in USER_HZ ticks
# (nice counts as user)
rc_cpu_ticks() {
	awk -v c="cpu$1" '$1 == c { print $2 + $3, $4, $8, $7 }' /proc/stat
}

# rc_queue_counters: "PACKETS INTERRUPTS" of the receiving queue so far
rc_queue_counters() {
	in_b ethtool -S "$LN_DEV_B" | awk -v p="rx${QUEUE}_packets:" \
		-v i="rx${QUEUE}_irqs:" '$1 == p { n = $2 } $1 == i { q = $2 }
		END { print n, q }'
}

# rc_start NAME VERIFY: receiver NAME on RECV_CPU in the background,
# checking every byte if VERIFY is on, its output in $rc_out; sets $rc_pid
# (the receiver itself: ip netns exec and taskset exec it)
rc_start() {
	local v= cmd

	[ "$2" = on ] && v=-v
	case $1 in
	zcrx-4k)
		cmd=("$SINK" -i "$LN_DEV_B" -q $QUEUE -p $PORT -4 $v -j -n 1
		     -A ${AREA_MB}M)
		;;
	zcrx-*k)
		cmd=("$SINK" -i "$LN_DEV_B" -q $QUEUE -p $PORT -4 $v -j -n 1
		     -A ${AREA_MB}M -L "${1#zcrx-}")
		;;
	recv|epoll)
		cmd=("$PLAIN" -m "$1" -p $PORT $v -j)
		;;
	*)
		echo "no receiver $1" > "$rc_out"
		false &
		rc_pid=$!
		return
		;;
	esac
	ip netns exec "$LN_NS_B" taskset -c $RECV_CPU "${cmd[@]}" \
		> "$rc_out" 2>&1 &
	rc_pid=$!
}

rc_fail() {
	kill $rc_pid 2>/dev/null
	wait $rc_pid
	cat "$rc_out" >&2
	[ -n "$perf_pid" ] && kill -INT $perf_pid 2>/dev/null && wait $perf_pid
	return 1
}

# rc_run NAME VERIFY BYTES [PERF_DATA]: one stream of BYTES into receiver
# NAME; prints "MB/s USER_S SYS_S SOFTIRQ_S IRQ_S", the receiver's rate
# and the receiving CPU's busy time from the moment the receiver listens
# to its total line. With PERF_DATA, perf samples the receiving CPU over
# that window into it.
rc_run() {
	local before after perf_pid=

	if ! ln_wait 30 rc_hugepages_back; then
		echo "the last sink's huge pages are not free after 30 s" >&2
		return 1
	fi
	rc_start "$1" "$2"
	ln_wait 20 grep -q listening "$rc_out" || rc_fail || return 1
	if [ -n "$4" ]; then
		"$PERF" record -q -e cpu-clock -F "${PERF_HZ:-1000}" \
			-C $RECV_CPU -g -o "$4" \
			2> "$4.log" &
		perf_pid=$!
		ln_wait 20 grep -q . "$4" 2>/dev/null
	fi
	before=$(rc_cpu_ticks $RECV_CPU)
	in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $PORT -b "$3" -c 1 \
		> /dev/null || rc_fail || return 1
	ln_wait 60 grep -q '"event":"total"' "$rc_out" || rc_fail || return 1
	after=$(rc_cpu_ticks $RECV_CPU)
	[ -n "$perf_pid" ] && kill -INT $perf_pid && wait $perf_pid
	wait $rc_pid || { cat "$rc_out" >&2; return 1; }
	rc_result "$3" "$2" "$before" "$after"
}

# rc_jget KEY: KEY of the receiver's total line (flat JSON, no quotes or
# commas in string values: sed reads it without python's start-up)
rc_jget() {
	sed -n "/\"event\":\"total\"/s/.*[{,]\"$1\":\"\{0,1\}\([^\",}]*\).*/\1/p" \
		"$rc_out" | tail -n 1
}

# rc_result BYTES VERIFY TICKS_BEFORE TICKS_AFTER: check the total line,
# print the rate and the busy seconds
rc_result() {
	local bytes verify copy hz

	bytes=$(rc_jget bytes)
	verify=$(rc_jget verify)
	copy=$(rc_jget copy_bytes)
	if [ "$bytes" != "$1" ] || [ "${copy:-0}" != 0 ] ||
	   [ "$verify" != "$([ "$2" = on ] && echo ok || echo off)" ]; then
		echo "bad total: bytes $bytes of $1, copied ${copy:-0}, verify $verify" >&2
		cat "$rc_out" >&2
		return 1
	fi
	hz=$(getconf CLK_TCK)
	echo "$3 $4" | awk -v b="$bytes" -v s="$(rc_jget seconds)" -v hz="$hz" '{
		printf "%.1f %.2f %.2f %.2f %.2f\n", b / s / 1e6, ($5 - $1) / hz,
		       ($6 - $2) / hz, ($7 - $3) / hz, ($8 - $4) / hz
	}'
}
