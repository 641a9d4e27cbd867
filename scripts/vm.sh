#!/bin/bash
# Boot a kernel in QEMU with the host's root file system shared read-only
# over virtio 9p. With -c, run one command in the guest and exit with its
# status; without, give an interactive shell on the terminal.
#
# The run directory build/vm/NAME/ holds:
#   kernel.log  everything the guest kernel printed (its console is a
#               second serial port written straight to this file, so a
#               panic is captured too)
#   io/         shared read-write with the guest at the same path: the
#               command, its exit status, test results
#
# Usage: scripts/vm.sh -k BZIMAGE -n NAME [-c CMD] [-t TIMEOUT] [-m MEM]
# VM_APPEND adds kernel command line arguments, ACCEL=kvm|tcg skips the probe.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel= name= cmd= timeout=600 mem=
while getopts "k:n:c:t:m:" opt; do
	case $opt in
	k) kernel=$(realpath "$OPTARG") ;;
	n) name=$OPTARG ;;
	c) cmd=$OPTARG ;;
	t) timeout=$OPTARG ;;
	m) mem=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[[ -n $kernel && -n $name ]] || {
	echo "usage: $0 -k BZIMAGE -n NAME [-c CMD] [-t TIMEOUT]" >&2
	exit 2
}
[[ -f $kernel ]] || { echo "vm: no kernel at $kernel (run make)" >&2; exit 1; }

run=$top/build/vm/$name
io=$run/io
log=$run/kernel.log
rm -rf "$run"
mkdir -p "$io"

# KVM only when it really runs a guest: /dev/kvm can exist and still fail
# (no nested virtualisation). The probe's answer is kept for the build
# directory's lifetime; ACCEL=tcg|kvm overrides it.
probed=$top/build/vm-accel
if [[ -z ${ACCEL:-} && ! -s $probed ]]; then
	if "$top/scripts/kvm-probe.sh"; then echo kvm; else echo tcg; fi > "$probed"
fi
accel=${ACCEL:-$(cat "$probed")}
if [[ $accel == kvm ]]; then
	cpu=host
else
	cpu=max
fi
# KASAN's shadow and kmemleak's metadata want more memory than a release
# kernel; 4G covers both and costs nothing until touched.
mem=${mem:-4G}

mode=shell
if [[ -n $cmd ]]; then
	mode=cmd
	printf '%s\n' "$cmd" > "$io/cmd"
	con=(-chardev stdio,id=con,signal=on -serial chardev:con)
else
	# Ctrl-A X quits, Ctrl-A C reaches the QEMU monitor.
	con=(-chardev stdio,id=con,mux=on,signal=off -serial chardev:con
		-mon chardev=con)
fi

append=(
	console=ttyS1 loglevel=7
	root=rootfs rootfstype=9p ro
	rootflags=trans=virtio,version=9p2000.L,msize=262144,cache=loose
	init="$top/scripts/vm-init.sh"
	ZCRX_IO="$io" ZCRX_CWD="$top" ZCRX_MODE="$mode"
	panic=-1 hung_task_panic=0
	${VM_APPEND:-}
)

echo "vm: booting ${kernel#"$top"/} ($accel, $mem)," \
	"kernel log: ${log#"$top"/}" >&2
date +%s.%N > "$run/boot-start"
set +e
# --foreground: QEMU sets up the terminal, which a process outside the
# terminal's foreground group may not do (it would stop on SIGTTOU).
# q35, not pc: on pc the debug kernel spends ~20 s per virtio device in
# ACPI PCI interrupt-link setup under TCG; q35 routes them through GSIs.
timeout --foreground -k 10 "$timeout" qemu-system-x86_64 -M q35 \
	-accel "$accel" -cpu "$cpu" -smp 2 -m "$mem" \
	-nodefaults -display none -no-reboot \
	-kernel "$kernel" -append "${append[*]}" \
	-virtfs local,path=/,mount_tag=rootfs,security_model=none,readonly=on,multidevs=remap \
	-virtfs local,path="$io",mount_tag=zcrxio,security_model=none,multidevs=remap \
	-device virtio-rng-pci \
	"${con[@]}" \
	-serial file:"$log"
qemu_rc=$?
set -e

if [[ $qemu_rc -eq 124 || $qemu_rc -eq 137 ]]; then
	echo "vm: guest did not finish within ${timeout}s and was killed" \
		"(kernel log: ${log#"$top"/})" >&2
	exit 124
fi
if [[ -z $cmd ]]; then
	exit 0
fi
if [[ ! -f $io/rc ]]; then
	echo "vm: guest ended without an exit status (qemu: $qemu_rc);" \
		"last kernel messages:" >&2
	tail -n 30 "$log" >&2
	exit 125
fi
exit "$(cat "$io/rc")"
