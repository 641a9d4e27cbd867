#!/bin/bash
# Choose the accelerator for the test VMs: print "kvm" or "tcg" on stdout,
# and "vm: accelerator X (why)" on stderr.
#
# KVM is used only when the kernel we are about to boot reaches userspace
# under it. /dev/kvm can exist and even run a tiny real-mode guest while a
# real kernel dies in an emulation failure (KVM internal error) or hangs
# without a line of output: nested virtualisation that is not there. So the
# probe boots BZIMAGE through scripts/vm.sh -p with -accel kvm -cpu host and
# waits for vm-init.sh's "zcrx-vm: userspace up" marker: at most
# KVM_PROBE_TIMEOUT seconds (default 30), and at most KVM_PROBE_STALL
# seconds (default 15) without a kernel line. A working KVM gets there in a
# few seconds.
#
# The answer is kept in build/vm-accel with the identity of the machine
# (machine id, boot id, host kernel, CPU, QEMU): a build directory copied
# or reused on another machine, or after a reboot, probes again.
# ACCEL=kvm|tcg skips all of this.
#
# Usage: scripts/kvm-probe.sh BZIMAGE
# Environment: ACCEL, QEMU, KVM_DEV (default /dev/kvm), VM_ACCEL_CACHE
# (default build/vm-accel), VM_DIR, KVM_PROBE_TIMEOUT, KVM_PROBE_STALL.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel=${1:?usage: kvm-probe.sh BZIMAGE}
qemu=${QEMU:-qemu-system-x86_64}
dev=${KVM_DEV:-/dev/kvm}
cache=${VM_ACCEL_CACHE:-$top/build/vm-accel}
vmdir=${VM_DIR:-$top/build/vm}

say() {
	echo "vm: accelerator $1 ($2)" >&2
	echo "$1"
}

if [[ -n ${ACCEL:-} ]]; then
	say "$ACCEL" "ACCEL=$ACCEL from the environment"
	exit 0
fi

identity() {
	{
		cat /etc/machine-id /proc/sys/kernel/random/boot_id
		uname -r
		grep -m 1 -E '^(model name|flags)' /proc/cpuinfo
		stat -c "%F %t:%T %a %u:%g" "$dev"
		command -v "$qemu"
		"$qemu" --version | head -n 1
	} 2>/dev/null | sha256sum | cut -c 1-16
}

mkdir -p "$(dirname "$cache")"
# One probe at a time; a second run waits and reads the first one's answer.
exec 9> "$cache.lock"
flock 9
id=$(identity)
if [[ -s $cache ]]; then
	IFS=$'\t' read -r c_id c_accel c_reason < "$cache"
	if [[ $c_id == "$id" && $c_accel =~ ^(kvm|tcg)$ ]]; then
		say "$c_accel" "probed earlier on this machine: $c_reason"
		exit 0
	fi
fi

# decide ACCEL REASON: remember the answer for this machine and say it.
decide() {
	printf '%s\t%s\t%s\n' "$id" "$1" "$2" > "$cache.tmp"
	mv "$cache.tmp" "$cache"
	say "$1" "$2"
	exit 0
}

if [[ ! -e $dev ]]; then
	decide tcg "no $dev"
fi
if [[ ! -r $dev || ! -w $dev ]]; then
	decide tcg "$dev is not readable and writable for $(id -un)"
fi

limit=${KVM_PROBE_TIMEOUT:-30}
t0=$EPOCHREALTIME
ACCEL=kvm VM_STALL=${KVM_PROBE_STALL:-15} VM_APPEND='' \
	"$top/scripts/vm.sh" -p -k "$kernel" -n kvm-probe -t "$limit" -m 1G \
	> /dev/null 2>&1 9>&-
rc=$?
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
run=$vmdir/kvm-probe
what=$(head -n 1 "$run/vm-error" 2>/dev/null)
what=${what#stopped: }
qerr=$(grep -v '^$' "$run/qemu.err" 2>/dev/null | head -n 1)
qerr=${qerr#"$qemu": }
qerr=${qerr#"$(basename "$qemu")": }
[[ $rc -ne 125 || -z $qerr ]] || what="$what; $qerr"
case $rc in
0) decide kvm "the kernel reached userspace under KVM in $secs s" ;;
124) decide tcg "KVM: the kernel did not reach userspace within $limit s" ;;
122 | 125) decide tcg "KVM: ${what:-QEMU failed} (after $secs s)" ;;
*) decide tcg "KVM: the probe failed with status $rc (after $secs s)" ;;
esac
