#!/bin/bash
# Interrupts go where a NIC's would: each rx queue has an interrupt CPU
# (debugfs knob irq_cpu, "QUEUE CPU"), spread over the online CPUs by
# default, and the emulated interrupt schedules the queue's NAPI there,
# not on the CPU that transmitted. /proc/softirqs shows where NET_RX ran:
# with sender and receiver both pinned to CPU 0, CPU 1 runs NET_RX only
# if an interrupt sends it there. Threaded NAPI keeps working.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

ktap_plan 12
ktap_scale BYTES $((4 << 20))
trap ln_cleanup EXIT
ncpu=$(nproc)
if [ "$ncpu" -lt 2 ]; then
	ktap_info "needs 2 CPUs, has $ncpu"
	exit 1
fi
ln_setup || { ktap_info "cannot set up the pair"; exit 1; }

# irq_cpu knob of a device, read from the initial netns (debugfs is
# hidden under the sysfs that ip netns exec mounts)
port=$(in_b cat "/sys/class/net/$LN_DEV_B/dev_port")
KNOB_B=/sys/kernel/debug/loopnic/$LN_ID/port$port/irq_cpu
port=$(in_a cat "/sys/class/net/$LN_DEV_A/dev_port")
KNOB_A=/sys/kernel/debug/loopnic/$LN_ID/port$port/irq_cpu

# spread N: the default for N queues, "QUEUE CPU" with queue q on the q-th
# online CPU, wrapping (cpumask_local_spread() without NUMA)
spread() {
	local q

	for q in $(seq 0 $(($1 - 1))); do
		echo "$q $((q % ncpu))"
	done
}

# knob_is KNOB EXPECTED: KNOB reads EXPECTED, saying what it read if not
knob_is() {
	local got

	got=$(cat "$1")
	[ "$got" = "$2" ] && return 0
	ktap_info "$1 reads: ${got//$'\n'/, }"
	return 1
}

# refused KNOB TEXT: writing TEXT to KNOB fails with EINVAL
refused() {
	local err

	err=$(LC_ALL=C; { printf '%s\n' "$2" > "$1"; } 2>&1) && {
		ktap_info "'$2' was taken"
		return 1
	}
	[[ $err == *"Invalid argument"* ]] && return 0
	ktap_info "'$2': $err"
	return 1
}

# net_rx CPU: NET_RX softirqs CPU has run
net_rx() {
	awk -v c=$(($1 + 2)) '$1 == "NET_RX:" { print $c }' /proc/softirqs
}

# on_cpu0 CMD...: CMD, and every process it starts, on CPU 0 only
on_cpu0() {
	( taskset -pc 0 $BASHPID > /dev/null && "$@" )
}

# measured_stream: one verified stream to B's queue 1 with sender and
# receiver on CPU 0; sets irqs (queue 1's interrupts), pkts (its packets)
# and rx0, rx1 (NET_RX softirqs on CPU 0 and 1) to what the stream added
measured_stream() {
	local i0 p0 c0 c1 rc

	i0=$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx1_irqs)
	p0=$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx1_packets)
	c0=$(net_rx 0)
	c1=$(net_rx 1)
	on_cpu0 ln_stream "$LN_NS_B" "$LN_NS_A" "$LN_ADDR4_B" $BYTES
	rc=$?
	rx0=$(($(net_rx 0) - c0))
	rx1=$(($(net_rx 1) - c1))
	irqs=$(($(ln_stat "$LN_NS_B" "$LN_DEV_B" rx1_irqs) - i0))
	pkts=$(($(ln_stat "$LN_NS_B" "$LN_DEV_B" rx1_packets) - p0))
	ktap_info "queue 1: $pkts packets, $irqs interrupts;" \
		"NET_RX softirqs: CPU 0 $rx0, CPU 1 $rx1"
	# the stream needs at least its bytes / MTU frames, all on queue 1
	if [ $pkts -lt $((BYTES / 1500)) ]; then
		ktap_info "the stream did not land on queue 1"
		rc=1
	fi
	return $rc
}

# Defaults: two channels, one line per queue, spread like affinity hints
knob_is "$KNOB_B" "$(spread 2)" && knob_is "$KNOB_A" "$(spread 2)"
ktap_result $? "irq_cpu defaults: queue q on CPU q of $ncpu"

in_b ethtool -L "$LN_DEV_B" combined 3
knob_is "$KNOB_B" "$(spread 3)"
ktap_result $? "with 3 channels irq_cpu lists 3 queues, the third back on CPU 0"
in_b ethtool -L "$LN_DEV_B" combined 2

# Bad writes are refused and change nothing
rc=0
cpu1=/sys/devices/system/cpu/cpu1/online
if [ -w $cpu1 ] && echo 0 > $cpu1; then
	refused "$KNOB_B" "0 1" || rc=1
	echo 1 > $cpu1 || rc=1
	ktap_result $rc "a queue's interrupt cannot go to an offline CPU"
else
	ktap_skip "a queue's interrupt cannot go to an offline CPU" \
		"CPU 1 cannot be taken offline"
fi
rc=0
refused "$KNOB_B" "0 $ncpu" || rc=1
refused "$KNOB_B" "0 4096" || rc=1
ktap_result $rc "CPUs past the last one are refused"
refused "$KNOB_B" "2 0"
ktap_result $? "queue 2 of 2 is refused"
rc=0
for bad in "" "1" "x 1" "1 y" "one two"; do
	refused "$KNOB_B" "$bad" || rc=1
done
knob_is "$KNOB_B" "$(spread 2)" || rc=1
ktap_result $rc "malformed writes are refused; irq_cpu is unchanged"

# Steer the stream to B's queue 1, whose interrupt goes to CPU 1; A's
# queues, which take the ACKs, interrupt CPU 0. Sender and receiver run
# on CPU 0, so nothing but B's interrupt puts NET_RX on CPU 1.
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $LN_PORT action 1 > /dev/null
rc=0
echo "0 0" > "$KNOB_A" && echo "1 0" > "$KNOB_A" || rc=1
echo "1 1" > "$KNOB_B" || rc=1
knob_is "$KNOB_A" "0 0
1 0" && knob_is "$KNOB_B" "0 0
1 1" || rc=1
ktap_result $rc "irq_cpu takes A's queues to CPU 0 and B's queue 1 to CPU 1"

measured_stream
rc=$?
# Every interrupt on CPU 1 schedules NAPI there, which raises NET_RX:
# rx1 >= irqs, less only when an interrupt comes while NET_RX still runs
# (after napi_complete_done() re-enabled it, before net_rx_action()
# returns) and the same softirq run polls again; budget repolls and
# ksoftirqd add runs. Half the interrupts leaves room for that; NAPI on
# the transmitting CPU (0) would leave CPU 1 next to none.
if [ $irqs -le 0 ] || [ $((2 * rx1)) -lt $irqs ]; then
	ktap_info "CPU 1 ran NET_RX $rx1 times for $irqs interrupts"
	rc=1
fi
ktap_result $rc "queue 1's interrupts run NAPI on CPU 1, not on the sender's CPU 0"

# Move the interrupt to CPU 0: CPU 1 goes quiet. A tenth of CPU 0's
# count leaves room for stray softirqs on an otherwise idle CPU; NAPI left
# on CPU 1 would give it about as many runs as CPU 0 takes for the ACKs.
echo "1 0" > "$KNOB_B" && knob_is "$KNOB_B" "0 0
1 0"
rc=$?
measured_stream || rc=1
if [ $irqs -le 0 ] || [ $((10 * rx1)) -gt $rx0 ]; then
	ktap_info "CPU 1 ran NET_RX $rx1 times, CPU 0 $rx0"
	rc=1
fi
ktap_result $rc "moved to CPU 0, queue 1's NAPI leaves CPU 1"

# Threaded NAPI: the interrupt wakes the queue's kthread instead
threaded=/sys/class/net/$LN_DEV_B/threaded
echo "1 1" > "$KNOB_B"
in_b sh -c "echo 1 > $threaded"
mode=$(in_b cat "$threaded")
# napi_ctxt: "THREADS SWITCHES", how many NAPI kthreads B has and their
# context switches in all
napi_ctxt() {
	local f n=0 s=0

	for f in /proc/[0-9]*/comm; do
		grep -qx "napi/$LN_DEV_B-[0-9]*" "$f" 2>/dev/null || continue
		n=$((n + 1))
		s=$((s + $(awk '/ctxt_switches:/ { s += $2 } END { print s + 0 }' \
			"${f%comm}status" 2>/dev/null || echo 0)))
	done
	echo "$n $s"
}
read -r threads before <<< "$(napi_ctxt)"
ktap_info "threaded: $mode; NAPI kthreads of $LN_DEV_B: $threads"
measured_stream
rc=$?
ktap_result $rc "threaded NAPI: the stream arrives verified"
read -r _ after <<< "$(napi_ctxt)"
ktap_info "their context switches: $before -> $after"
[ "$mode" = 1 ] && [ "$threads" -gt 0 ] && [ "$after" -gt "$before" ]
ktap_result $? "threaded NAPI: napi/$LN_DEV_B-* kthreads exist and ran the stream"
in_b sh -c "echo 0 > $threaded"
mode=$(in_b cat "$threaded")
ktap_result $([ "$mode" = 0 ]; echo $?) "threaded NAPI turned off again"
ktap_finish
