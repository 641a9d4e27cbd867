#!/bin/bash
# probe and vm are called through run().
# shellcheck disable=SC2317
#
# The runner's self-check for stuck guests and a half-working KVM, on the
# host, in seconds: the real scripts/vm.sh and scripts/kvm-probe.sh drive
# a fake QEMU (fake-qemu here) that hangs, goes silent, never reaches
# userspace or reports a KVM internal error, with bounds of a second or
# two. KTAP on stdout; about 20 s.
#
# Usage: tests/rig/host/selfcheck.sh   (make check runs it before any VM)
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
source "$top/tests/lib/ktap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
touch "$tmp/bzImage" "$tmp/kvm"
export QEMU=$here/fake-qemu VM_DIR=$tmp/vm VM_ACCEL_CACHE=$tmp/vm-accel \
	KVM_DEV=$tmp/kvm VM_POLL=0.2 VM_APPEND=''
unset ACCEL VM_STALL FAKE_KVM FAKE_TCG FAKE_SECONDS KVM_PROBE_TIMEOUT \
	KVM_PROBE_STALL

# run NAME CMD...: run it with stdout+stderr in $tmp/NAME.out; sets rc, secs
run() {
	local name=$1 t0
	shift
	t0=$EPOCHREALTIME
	"$@" > "$tmp/$name.out" 2>&1 < /dev/null
	rc=$?
	secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
	sed "s/^/# $name: /" "$tmp/$name.out"
	ktap_info "$name: status $rc after $secs s"
}

# within SECONDS: the last run took less
within() {
	awk -v s="$secs" -v max="$1" 'BEGIN { exit !(s < max) }'
}

has() {
	grep -qF -- "$2" "$tmp/$1.out"
}

probe() {
	"$top/scripts/kvm-probe.sh" "$tmp/bzImage"
}

vm() {
	"$top/scripts/vm.sh" -k "$tmp/bzImage" "$@"
}

# Every bound below is a second or two, and the limit the guest would
# otherwise run into is 60 s: a case passes when it ends well before that
# (bound + 6 s of slack for a loaded machine), not to the tenth of a second.
slack=6
ktap_plan 12

# 1. The issue's case, end to end: KVM exists, the kernel never prints a
# line under it. vm.sh probes, gives up on KVM after 2 s of silence, says
# so once, and runs the command under tcg.
FAKE_KVM=hang FAKE_TCG=boot KVM_PROBE_STALL=2 KVM_PROBE_TIMEOUT=60 \
	run vm-auto vm -n auto -t 60 -c 'uname -r'
ok=0
[[ $rc -eq 0 ]] || ok=1
within $((2 + slack)) || ok=1
[[ $(grep -c '^vm: accelerator ' "$tmp/vm-auto.out") -eq 1 ]] || ok=1
has vm-auto "vm: accelerator tcg (KVM: no console output" || ok=1
has vm-auto "(tcg, 4G)" || ok=1
has vm-auto "fake guest ran: uname -r" || ok=1
ktap_result $ok "vm falls back to tcg when KVM hangs silently, within the probe's bound"

# 2. A kernel that prints but does not reach userspace in KVM_PROBE_TIMEOUT.
rm -f "$VM_ACCEL_CACHE"
FAKE_KVM=chatty KVM_PROBE_STALL=60 KVM_PROBE_TIMEOUT=3 run probe-slow probe
ok=0
[[ $(tail -n 1 "$tmp/probe-slow.out") == tcg ]] || ok=1
has probe-slow "did not reach userspace within 3 s" || ok=1
within $((3 + slack)) || ok=1
ktap_result $ok "probe gives up on a KVM that does not reach userspace in time"

# 3. QEMU says KVM internal error: no need to wait for any bound.
rm -f "$VM_ACCEL_CACHE"
FAKE_KVM=internal KVM_PROBE_STALL=60 KVM_PROBE_TIMEOUT=60 run probe-internal probe
ok=0
has probe-internal "vm: accelerator tcg (KVM: QEMU reported an error" || ok=1
has probe-internal "KVM internal error" || ok=1
[[ $(tail -n 1 "$tmp/probe-internal.out") == tcg ]] || ok=1
within $slack || ok=1
ktap_result $ok "probe rejects a KVM internal error at once"

# 4. A KVM that boots the kernel to userspace is used.
rm -f "$VM_ACCEL_CACHE"
FAKE_KVM=boot run probe-boot probe
ok=0
[[ $(tail -n 1 "$tmp/probe-boot.out") == kvm ]] || ok=1
has probe-boot "vm: accelerator kvm (the kernel reached userspace" || ok=1
ktap_result $ok "probe uses a KVM that boots the kernel to userspace"

# 5. The answer is kept for this machine, and only for it.
FAKE_KVM=internal run probe-cached probe
ok=0
[[ $(tail -n 1 "$tmp/probe-cached.out") == kvm ]] || ok=1
has probe-cached "probed earlier on this machine" || ok=1
sed -i 's/^[^\t]*/0123456789abcdef/' "$VM_ACCEL_CACHE"
FAKE_KVM=internal run probe-moved probe
[[ $(tail -n 1 "$tmp/probe-moved.out") == tcg ]] || ok=1
has probe-moved "probed earlier" && ok=1
ktap_result $ok "probe answer is reused on this machine, probed again on another"

# 6. No /dev/kvm: tcg, nothing booted.
rm -f "$VM_ACCEL_CACHE"
KVM_DEV=$tmp/none FAKE_KVM=boot run probe-nodev probe
ok=0
[[ $(tail -n 1 "$tmp/probe-nodev.out") == tcg ]] || ok=1
has probe-nodev "(no $tmp/none)" || ok=1
ktap_result $ok "probe without /dev/kvm picks tcg"

# 7. A guest that goes silent in a test is killed within VM_STALL, with
# the VM, the phase and the last kernel lines, and the report fails it.
export ACCEL=tcg
VM_STALL=2 FAKE_TCG=silent run vm-silent vm -n rig-silent -t 60 -c true
ok=0
[[ $rc -eq 122 ]] || ok=1
within $((2 + slack)) || ok=1
has vm-silent "vm: VM 'rig-silent' stopped: no console output" || ok=1
has vm-silent "phase: test zcrx/fake" || ok=1
has vm-silent "fake: the last line before the silence" || ok=1
"$top/scripts/report.py" vm-run "$VM_DIR/rig-silent" rig > "$tmp/report.out"
grep -qP '^fail\trig\tvm rig-silent\t.*during test zcrx/fake' \
	"$VM_DIR/rig-silent/records.tsv" || ok=1
"$top/scripts/report.py" summary "$VM_DIR/rig-silent/records.tsv" \
	> "$tmp/summary.out" && ok=1
ktap_result $ok "vm kills a guest that stops printing within VM_STALL and fails the run"

# 8. Silent from the start: the phase is boot.
VM_STALL=2 FAKE_TCG=bootsilent run vm-bootsilent vm -n rig-boot -t 60 -c true
ok=0
[[ $rc -eq 122 ]] || ok=1
within $((2 + slack)) || ok=1
has vm-bootsilent "phase: boot;" || ok=1
has vm-bootsilent "fake: three line" || ok=1
ktap_result $ok "vm kills a guest stuck in boot and says so"

# 9. QEMU reports a KVM internal error: stopped at once, not after VM_STALL.
ACCEL=kvm VM_STALL=60 FAKE_KVM=internal run vm-internal vm -n rig-internal -t 60 -c true
ok=0
[[ $rc -eq 122 ]] || ok=1
within $slack || ok=1
has vm-internal "QEMU reported an error" || ok=1
has vm-internal "KVM internal error. Suberror: 1" || ok=1
ktap_result $ok "vm stops a guest at once on a QEMU internal error"

# 10. Only the heartbeat moves, for twice VM_STALL: not stuck.
VM_STALL=2 FAKE_TCG=heartbeat FAKE_SECONDS=4 run vm-heartbeat vm -n rig-hb -t 60 -c true
ok=0
[[ $rc -eq 0 ]] || ok=1
ktap_result $ok "vm keeps a guest whose heartbeat moves"

# 11. The overall limit still holds for a guest that is alive.
VM_STALL=60 FAKE_TCG=heartbeat FAKE_SECONDS=60 run vm-timeout vm -n rig-timeout -t 2 -c true
ok=0
[[ $rc -eq 124 ]] || ok=1
within $((2 + slack)) || ok=1
has vm-timeout "did not finish within 2 s" || ok=1
ktap_result $ok "vm still stops a guest at its overall time limit"

# 12. The interactive shell is never stopped for silence.
VM_STALL=1 FAKE_TCG=hang run vm-shell vm -n rig-shell -t 3
ok=0
[[ $rc -eq 124 ]] || ok=1
has vm-shell "stopped:" && ok=1
ktap_result $ok "vm does not watch an interactive shell for silence"

ktap_finish
