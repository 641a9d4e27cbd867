#!/bin/bash
# Interrupts go where a NIC's would: each rx queue has an interrupt CPU
# (debugfs knob irq_cpu, "QUEUE CPU"), spread over the online CPUs by
# default, and the emulated interrupt schedules the queue's NAPI there,
# not on the CPU that transmitted. /proc/softirqs shows where NET_RX ran:
# with sender and receiver both pinned to CPU 0, CPU 1 runs NET_RX only
# if an interrupt sends it there. Threaded NAPI keeps working.
#
# A fork takes up to half a second on the debug kernel under TCG: the
# helpers read files with bash builtins and set variables rather than
# print what a $(...) would have to catch.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"
# the last command of a pipeline runs in this shell and can set variables
shopt -s lastpipe

ktap_plan 12
ktap_scale BYTES $((4 << 20))
errf=$(mktemp)
trap 'rm -f "$errf"; ln_cleanup' EXIT
ncpu=$(nproc)
if [ "$ncpu" -lt 2 ]; then
	ktap_info "needs 2 CPUs, has $ncpu"
	exit 1
fi
ln_setup || { ktap_info "cannot set up the pair"; exit 1; }

# irq_cpu_knob VAR DEV: sets VAR to the irq_cpu knob of DEV's port, found
# through the port's ifname file. Used from the initial netns: debugfs is
# hidden under the sysfs that ip netns exec mounts.
irq_cpu_knob() {
	local f name

	for f in /sys/kernel/debug/loopnic/$LN_ID/port*/ifname; do
		read -r name < "$f" && [ "$name" = "$2" ] &&
			printf -v "$1" '%s' "${f%ifname}irq_cpu"
	done
}
irq_cpu_knob KNOB_A "$LN_DEV_A"
irq_cpu_knob KNOB_B "$LN_DEV_B"
if [ ! -f "$KNOB_A" ] || [ ! -f "$KNOB_B" ]; then
	ktap_info "no irq_cpu knob under /sys/kernel/debug/loopnic/$LN_ID"
	exit 1
fi

# spread N: sets spread to the default for N queues, "QUEUE CPU" lines
# with queue q on the q-th online CPU, wrapping (cpumask_local_spread()
# without NUMA)
spread() {
	local q

	spread=
	for ((q = 0; q < $1; q++)); do
		spread+="$q $((q % ncpu))"$'\n'
	done
	spread=${spread%$'\n'}
}

# knob_is KNOB EXPECTED: KNOB reads EXPECTED, saying what it read if not
knob_is() {
	local got

	IFS= read -r -d '' got < "$1"
	got=${got%$'\n'}
	[ "$got" = "$2" ] && return 0
	ktap_info "$1 reads: ${got//$'\n'/, }"
	return 1
}

# refused KNOB TEXT: writing TEXT to KNOB fails with EINVAL
refused() {
	local line err= LC_ALL=C

	if { printf '%s\n' "$2" > "$1"; } 2> "$errf"; then
		ktap_info "'$2' was taken"
		return 1
	fi
	# bash's "write error: ..." (after xtrace lines, under bash -x)
	while read -r line; do
		err=$line
		[[ $line == *"write error: Invalid argument" ]] && return 0
	done < "$errf"
	ktap_info "'$2': $err"
	return 1
}

# net_rx: sets nrx0 and nrx1 to the NET_RX softirqs CPU 0 and 1 have run
net_rx() {
	local name

	while read -r name nrx0 nrx1 _; do
		[ "$name" = NET_RX: ] && return 0
	done < /proc/softirqs
	return 1
}

# on_cpu0 CMD...: CMD, and every process it starts, on CPU 0 only
on_cpu0() {
	( taskset -pc 0 $BASHPID > /dev/null && "$@" )
}

# q1_counters: sets q1_irqs and q1_pkts to the interrupts and packets of
# B's queue 1, from one ethtool -S
q1_counters() {
	local name value

	q1_irqs=0 q1_pkts=0
	in_b ethtool -S "$LN_DEV_B" | while read -r name value; do
		case $name in
		rx1_irqs:) q1_irqs=$value ;;
		rx1_packets:) q1_pkts=$value ;;
		esac
	done
}

# measured_stream: one verified stream to B's queue 1 with sender and
# receiver on CPU 0; sets irqs (queue 1's interrupts), pkts (its packets)
# and rx0, rx1 (NET_RX softirqs on CPU 0 and 1) to what the stream added
measured_stream() {
	local i0 p0 c0 c1 rc

	q1_counters
	i0=$q1_irqs p0=$q1_pkts
	net_rx
	c0=$nrx0 c1=$nrx1
	on_cpu0 ln_stream "$LN_NS_B" "$LN_NS_A" "$LN_ADDR4_B" $BYTES
	rc=$?
	net_rx
	rx0=$((nrx0 - c0)) rx1=$((nrx1 - c1))
	q1_counters
	irqs=$((q1_irqs - i0)) pkts=$((q1_pkts - p0))
	ktap_info "queue 1: $pkts packets, $irqs interrupts;" \
		"NET_RX softirqs: CPU 0 $rx0, CPU 1 $rx1"
	# the stream needs at least its bytes / MTU frames, all on queue 1
	if [ $pkts -lt $((BYTES / 1500)) ]; then
		ktap_info "the stream did not land on queue 1"
		rc=1
	fi
	return $rc
}

# napi_ctxt: sets napi_threads to the number of B's NAPI kthreads and
# napi_switches to their context switches in all
napi_ctxt() {
	local f comm key value

	napi_threads=0 napi_switches=0
	for f in /proc/[0-9]*/comm; do
		read -r comm 2> /dev/null < "$f" || continue
		[[ $comm =~ ^napi/$LN_DEV_B-[0-9]+$ ]] || continue
		napi_threads=$((napi_threads + 1))
		while read -r key value; do
			case $key in
			*ctxt_switches:) napi_switches=$((napi_switches + value)) ;;
			esac
		done 2> /dev/null < "${f%comm}status"
	done
}

# Defaults: two channels, one line per queue, spread like affinity hints
spread 2
knob_is "$KNOB_B" "$spread" && knob_is "$KNOB_A" "$spread"
ktap_result $? "irq_cpu defaults: queue q on CPU q of $ncpu"

in_b ethtool -L "$LN_DEV_B" combined 3
spread 3
knob_is "$KNOB_B" "$spread"
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
spread 2
knob_is "$KNOB_B" "$spread" || rc=1
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
# on CPU 1 gives it a run per interrupt, more than CPU 0 takes for the
# ACKs.
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
mode=$(in_b sh -c "echo 1 > $threaded; cat $threaded")
napi_ctxt
threads=$napi_threads before=$napi_switches
ktap_info "threaded: $mode; NAPI kthreads of $LN_DEV_B: $threads"
measured_stream
ktap_result $? "threaded NAPI: the stream arrives verified"
napi_ctxt
ktap_info "their context switches: $before -> $napi_switches"
[ "$mode" = 1 ] && [ "$threads" -gt 0 ] && [ "$napi_switches" -gt "$before" ]
ktap_result $? "threaded NAPI: napi/$LN_DEV_B-* kthreads exist and ran the stream"
mode=$(in_b sh -c "echo 0 > $threaded; cat $threaded")
ktap_result $([ "$mode" = 0 ]; echo $?) "threaded NAPI turned off again"
ktap_finish
