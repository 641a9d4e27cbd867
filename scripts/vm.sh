#!/bin/bash
# QEMU options are comma lists; VM_APPEND is split into words on purpose.
# shellcheck disable=SC2054,SC2206
#
# Boot a kernel in QEMU with the host's root file system shared read-only
# over virtio 9p. With -c, run one command in the guest and exit with its
# status; without, give an interactive shell on the terminal. -p boots only
# to userspace and powers off (the accelerator probe, scripts/kvm-probe.sh).
#
# The run directory build/vm/NAME/ holds:
#   kernel.log  everything the guest kernel printed (its console is a
#               second serial port written straight to this file, so a
#               panic is captured too)
#   console.log what the command printed (also shown on stdout as it comes)
#   qemu.err    QEMU's own messages
#   vm-error    why the VM was stopped, when it was (read by report.py)
#   longest-silence  the longest time in seconds nothing moved
#   io/         shared read-write with the guest at the same path: the
#               command, its exit status, the guest's heartbeat, results
#
# A watchdog stops a guest early: when QEMU reports an internal error
# (KVM emulation failure...), and when neither the console, nor the kernel
# log, nor the guest's heartbeat moved for VM_STALL seconds. It names the
# phase (boot, the running test, command) and shows the last kernel lines.
#
# Usage: scripts/vm.sh -k BZIMAGE -n NAME [-c CMD | -p] [-t TIMEOUT] [-m MEM]
# Environment:
#   ACCEL=kvm|tcg   skip the probe (scripts/kvm-probe.sh)
#   VM_APPEND       more kernel command line arguments
#   VM_STALL        seconds of silence before a guest counts as stuck
#                   (default 180; 0 disables; never used for the shell)
#   QEMU            the QEMU binary (default qemu-system-x86_64)
#   VM_DIR          where run directories go (default build/vm)
#
# Exit status: the command's, or 122 stuck guest (stall or QEMU error),
# 124 overall timeout, 125 the guest ended without an exit status.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel='' name='' cmd='' timeout=600 mem='' mode=shell
while getopts "k:n:c:t:m:p" opt; do
	case $opt in
	k) kernel=$(realpath "$OPTARG") ;;
	n) name=$OPTARG ;;
	c) cmd=$OPTARG mode=cmd ;;
	p) mode=probe ;;
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[[ -n $kernel && -n $name ]] || {
	echo "usage: $0 -k BZIMAGE -n NAME [-c CMD | -p] [-t TIMEOUT] [-m MEM]" >&2
	exit 2
}
[[ -f $kernel ]] || { echo "vm: no kernel at $kernel (run make)" >&2; exit 1; }

qemu=${QEMU:-qemu-system-x86_64}
stall=${VM_STALL:-180}
poll=${VM_POLL:-1}
vmdir=${VM_DIR:-$top/build/vm}
run=$vmdir/$name
io=$run/io
log=$run/kernel.log
console=$run/console.log
qerr=$run/qemu.err
rm -rf "$run"
mkdir -p "$io"

# KVM only when the kernel really boots under it: /dev/kvm can exist and
# accept ioctls while guests hang or die in emulation (no nested
# virtualisation). scripts/kvm-probe.sh decides, once per machine, and says
# why; ACCEL=tcg|kvm overrides it.
if [[ -n ${ACCEL:-} ]]; then
	accel=$ACCEL
else
	accel=$("$top/scripts/kvm-probe.sh" "$kernel")
fi
case $accel in
kvm) cpu=host ;;
tcg) cpu=max ;;
*) echo "vm: ACCEL must be kvm or tcg, not '$accel'" >&2; exit 2 ;;
esac
# KASAN's shadow and kmemleak's metadata want more memory than a release
# kernel; 4G covers both and costs nothing until touched.
mem=${mem:-4G}

extra=()
case $mode in
cmd)
	printf '%s\n' "$cmd" > "$io/cmd"
	con=(-serial file:"$console")
	;;
probe)
	# KUnit is not what the probe is about; skip its boot-time suites.
	con=(-serial file:"$console")
	extra=(kunit.enable=0)
	;;
shell)
	# Ctrl-A X quits, Ctrl-A C reaches the QEMU monitor.
	con=(-chardev stdio,id=con,mux=on,signal=off -serial chardev:con
		-mon chardev=con)
	;;
esac

append=(
	console=ttyS1 loglevel=7
	root=rootfs rootfstype=9p ro
	rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose
	init="$top/scripts/vm-init.sh"
	ZCRX_IO="$io" ZCRX_CWD="$top" ZCRX_MODE="$mode"
	panic=-1 hung_task_panic=0
	"${extra[@]}"
	${VM_APPEND:-}
)

# q35, not pc: on pc the debug kernel spends ~20 s per virtio device in
# ACPI PCI interrupt-link setup under TCG; q35 routes them through GSIs.
qemu_cmd=("$qemu" -M q35
	-accel "$accel" -cpu "$cpu" -smp 2 -m "$mem"
	-nodefaults -display none -no-reboot
	-kernel "$kernel" -append "${append[*]}"
	-virtfs local,path=/,mount_tag=rootfs,security_model=none,readonly=on,multidevs=remap
	-virtfs local,path="$io",mount_tag=zcrxio,security_model=none,multidevs=remap
	-device virtio-rng-pci
	"${con[@]}"
	-serial file:"$log")

[[ $mode == probe ]] ||
	echo "vm: booting ${kernel#"$top"/} ($accel, $mem)," \
		"kernel log: ${log#"$top"/}" >&2
date +%s.%N > "$run/boot-start"

if [[ $mode == shell ]]; then
	# --foreground: QEMU sets up the terminal, which a process outside the
	# terminal's foreground group may not do (it would stop on SIGTTOU).
	# A person is at the keyboard: no stall detection, only the timeout.
	set +e
	timeout --foreground -k 10 "$timeout" "${qemu_cmd[@]}"
	qemu_rc=$?
	set -e
	if [[ $qemu_rc -eq 124 || $qemu_rc -eq 137 ]]; then
		echo "vm: guest did not finish within ${timeout}s and was killed" \
			"(kernel log: ${log#"$top"/})" >&2
		exit 124
	fi
	exit 0
fi

# The last lines of the kernel log, without the serial port's CRs.
last_lines() {
	tail -n "$1" "$log" 2>/dev/null | tr -d '\r'
}

# Where the guest was: before init's marker it was booting; after it, in
# the test of the last start marker guest-tests.sh wrote, or in the command.
phase() {
	local m
	grep -q 'zcrx-vm: userspace up' "$log" 2>/dev/null || { echo boot; return; }
	m=$(grep -ao 'zcrx-test: \(start\|end\) [^[:space:]]*' "$log" | tail -n 1)
	case $m in
	"zcrx-test: start "*) echo "test ${m#zcrx-test: start }" ;;
	"zcrx-test: end "*) echo "after test ${m#zcrx-test: end }" ;;
	*) [[ $mode == probe ]] && echo init || echo command ;;
	esac
}

qpid=
tpid=
stop_qemu() {
	[[ -n $qpid ]] || return 0
	kill -TERM "$qpid" 2>/dev/null || true
	for _ in $(seq 50); do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	qpid=
}
# A background QEMU outlives the script unless it is stopped on the way out.
trap 'stop_qemu; [[ -z $tpid ]] || kill "$tpid" 2>/dev/null; exit 130' INT TERM
trap 'stop_qemu' EXIT

"${qemu_cmd[@]}" < /dev/null > "$run/qemu.out" 2> "$qerr" &
qpid=$!
if [[ $mode == cmd ]]; then
	# The command's output, live; tail ends after QEMU (--pid).
	tail -n +1 -F -s "$poll" --pid="$qpid" "$console" 2>/dev/null &
	tpid=$!
fi

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	now=$((t / 1000))
}

# stuck REASON: stop QEMU, tell which VM, where and what the kernel said.
stuck() {
	local where
	where=$(phase)
	stop_qemu
	{
		echo "stopped: $1, during $where"
		last_lines 20
	} > "$run/vm-error"
	{
		echo "vm: VM '$name' stopped: $1"
		echo "vm: phase: $where; kernel log: ${log#"$top"/}; last kernel lines:"
		last_lines 20 | sed 's/^/vm:   /'
	} >&2
}

now_ms
start=$now
last=$now
longest=0
seen=
verdict=
while kill -0 "$qpid" 2>/dev/null; do
	sleep "$poll"
	now_ms
	if [[ $mode == probe ]] &&
		grep -q 'zcrx-vm: userspace up' "$log" 2>/dev/null; then
		verdict=up
		break
	fi
	if [[ -s $qerr ]] &&
		err=$(grep -aiE -m 1 'internal error|emulation failure|entry failed|kvm run failed' "$qerr"); then
		stuck "QEMU reported an error after $(((now - start) / 1000)) s: $err"
		verdict=stuck
		break
	fi
	if ((now - start >= timeout * 1000)); then
		stuck "it did not finish within ${timeout} s"
		verdict=timeout
		break
	fi
	# Progress: the console, the kernel log, the guest's heartbeat.
	cur=$(stat -c %s "$console" "$log" 2>/dev/null; cat "$io/heartbeat" 2>/dev/null) || true
	((now - last <= longest)) || longest=$((now - last))
	if [[ $cur != "$seen" ]]; then
		seen=$cur
		last=$now
	elif ((stall > 0 && now - last >= stall * 1000)); then
		stuck "no console output, kernel log line or heartbeat for $(((now - last) / 1000)) s"
		verdict=stuck
		break
	fi
done
stop_qemu
# How close a healthy guest came to VM_STALL (report.py prints it).
echo "$((longest / 1000))" > "$run/longest-silence"
[[ -z $tpid ]] || wait "$tpid" 2>/dev/null || true
tpid=
if [[ -s $qerr && $verdict != stuck ]]; then
	sed 's/^/vm: qemu: /' "$qerr" >&2
fi

case $verdict in
stuck) exit 122 ;;
timeout) exit 124 ;;
esac
if [[ $mode == probe ]]; then
	[[ $verdict == up ]] && exit 0
	grep -q 'zcrx-vm: userspace up' "$log" 2>/dev/null && exit 0
	{
		echo "stopped: QEMU exited before userspace, during $(phase)"
		tail -n 3 "$qerr"
		last_lines 20
	} > "$run/vm-error"
	exit 125
fi
if [[ ! -f $io/rc ]]; then
	why=$(grep -v '^$' "$qerr" 2>/dev/null | head -n 1)
	why=${why:+ (QEMU: ${why#"$qemu": })}
	{
		echo "stopped: the guest ended without an exit status$why, during $(phase)"
		last_lines 30
	} > "$run/vm-error"
	echo "vm: VM '$name' ended without an exit status, during $(phase);" \
		"last kernel messages:" >&2
	last_lines 30 >&2
	exit 125
fi
exit "$(cat "$io/rc")"
