#!/bin/bash
# make check: build (when -b is given), the host unit tests, the runner's
# self-checks, then every test on every kernel; a table of where the time
# went, then one closing line. Exits non-zero if anything failed or
# splatted.
#
# Usage: scripts/check.sh [-b MAKE] [-u] TREE NAME=BZIMAGE...
#   -b MAKE  build first, one timed phase each: MAKE tree,
#            MAKE kernel-NAME for each kernel, MAKE userspace
#   -u       the kernels are the user's own (make check BZIMAGE=...):
#            build no kernel, and do not hold them to kernel/patches
#   The first kernel also runs the VM self-check and the accelerator probe.
# Environment: VM_TIMEOUT (per VM, default 3000 s), VM_STALL (see vm.sh),
# ACCEL (see kvm-probe.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
list=$top/build/tests/list
records=()
timeout=${VM_TIMEOUT:-3000}
check=$top/build/check
phases=$check/phases.tsv

build_make=
user_kernel=
while getopts "b:u" opt; do
	case $opt in
	b) build_make=$OPTARG ;;
	u) user_kernel=1 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))

tree=${1:?tree}
shift
first=${1%%=*}
first_kernel=${1#*=}
vm_dirs=()

mkdir -p "$check"
: > "$phases"

# timed NAME CMD...: run CMD as one phase of the time table.
timed() {
	local name=$1 t0 rc
	shift
	t0=$EPOCHREALTIME
	"$@"
	rc=$?
	awk -v n="$name" -v a="$t0" -v b="$EPOCHREALTIME" -v rc="$rc" \
		'BEGIN { printf "%s\t%.1f\t%s\n", n, b - a, rc }' >> "$phases"
	return $rc
}

# finish: the time table, then the closing line (always the last line).
finish() {
	echo "== time"
	"$top/scripts/report.py" timing "$phases" "${vm_dirs[@]}"
	"$top/scripts/report.py" summary "${records[@]}"
	exit $?
}

# build NAME TARGET: one make target as one phase. Targets built by the
# earlier phases are not remade (-o): their prerequisites would otherwise
# run again (a no-op kbuild still costs half a minute) and count here.
# A build step that fails ends the run: nothing after it can be trusted.
built=()
build() {
	local name=$1 target=$2
	echo "== build: $name"
	if timed "$name" "$build_make" -s -C "$top" "${built[@]}" "$target"; then
		built+=(-o "$target")
		return 0
	fi
	printf 'fail\tbuild\t%s\tmake %s failed\n' "$name" "$target" \
		> "$check/build.tsv"
	echo "FAIL  build    $name  (make $target failed)"
	records+=("$check/build.tsv")
	finish
}

# Run a VM and say so if it ended badly; its results are judged either way
# (a VM that vm.sh stopped leaves vm-error, which report.py turns into a
# failure naming the phase).
boot() {
	local name=$1 kernel=$2 cmd=$3 rc
	vm_dirs+=("$top/build/vm/$name")
	timed "vm $name" "$top/scripts/vm.sh" -k "$kernel" -n "$name" \
		-t "$timeout" -c "$cmd"
	rc=$?
	[[ $rc -eq 0 ]] || echo "check: VM '$name' exited with status $rc" >&2
}

if [[ -n $build_make ]]; then
	build "deps+tree" tree
	if [[ -z $user_kernel ]]; then
		for spec in "$@"; do
			build "kernel ${spec%%=*}" "kernel-${spec%%=*}"
		done
	fi
	build userspace userspace
fi

echo "== checkpatch --strict on kernel/"
timed checkpatch "$top/scripts/checkpatch.sh" "$tree" "$check/checkpatch.tsv"
records+=("$check/checkpatch.tsv")

# The kernels must be exactly pristine + kernel/patches: what users apply.
echo "== the series"
if [[ -z $user_kernel ]]; then
	timed "series" "$top/scripts/series.sh" verify "$tree" "$check/series.tsv"
	sed 's/^pass/ok   /; s/^fail/FAIL /' "$check/series.tsv" | tr '\t' ' '
else
	printf 'skip\tseries\tseries/applies\ta kernel of your own\n' \
		> "$check/series.tsv"
fi
records+=("$check/series.tsv")

echo "== host: liburing-zcrx unit tests"
host=$check/host
rm -rf "$host"
mkdir -p "$host"
timed "host unit tests" make -s -C "$top/liburing" O="$top/build/liburing" \
	RESULTS="$host/results" check > "$host/make.log" 2>&1
"$top/scripts/report.py" host-run "$host" host
records+=("$host/records.tsv")

# The tools' options, checks and messages, and zcrx-send's echo client
# against echo-plain, over the host's lo: no zcrx kernel needed.
echo "== host: tools smoke test"
smoke=$check/smoke
rm -rf "$smoke"
mkdir -p "$smoke/results"
echo tools/smoke > "$smoke/results/001.name"
timed "tools smoke test (host)" "$top/tools/smoke.sh" \
	"$top/build/tools" "$top/build/tests/tools/pstream" \
	> "$smoke/results/001.out" 2>&1
echo $? > "$smoke/results/001.rc"
"$top/scripts/report.py" host-run "$smoke" host
records+=("$smoke/records.tsv")

# The runner's own checks, on the host with a fake QEMU, in seconds: a KVM
# that hangs is rejected, a silent guest is stopped within its bound.
echo "== runner self-check: stuck guests and a half-working KVM (host)"
rig=$check/rig
rm -rf "$rig"
mkdir -p "$rig/results"
echo rig/selfcheck > "$rig/results/001.name"
timed "runner self-check (host)" "$top/tests/rig/host/selfcheck.sh" \
	> "$rig/results/001.out" 2>&1
echo $? > "$rig/results/001.rc"
"$top/scripts/report.py" host-run "$rig" runner
records+=("$rig/records.tsv")

# Once per run, before the first VM: which accelerator, and why. The VMs
# then use that answer (ACCEL), so nothing probes twice.
echo "== accelerator"
timed "accelerator probe" "$top/scripts/kvm-probe.sh" "$first_kernel" \
	> "$check/accel"
ACCEL=$(cat "$check/accel")
export ACCEL=${ACCEL:-tcg}

echo "== runner self-check: a deliberate WARNING must fail a run"
boot selfcheck "$first_kernel" \
	"echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT"
"$top/scripts/report.py" expect-splat "$top/build/vm/selfcheck" \
	"splat detector fails a run with an lkdtm WARNING ($first)"
records+=("$top/build/vm/selfcheck/records.tsv")

# The kernels' VMs run side by side: a TCG guest leaves about a third of
# its two host cores idle (timers, waits), and the debug kernel's run,
# the longest by far, is split in CHECK_DEBUG_SHARDS (default 2) VMs over
# lists of about equal time (by the last run's test times). KUnit runs in
# the first VM of each kernel only.
vm_for() {
	local name=$1 kernel=$2 tests=$3 append=$4 t0 rc

	t0=$EPOCHREALTIME
	VM_APPEND="${VM_APPEND:-} $append" "$top/scripts/vm.sh" -k "$kernel" \
		-n "$name" -t "$timeout" -c "scripts/guest-tests.sh $tests" 2>&1 |
		sed -u "s/^/[$name] /"
	rc=${PIPESTATUS[0]}
	[[ $rc -eq 0 ]] || echo "check: VM '$name' exited with status $rc" >&2
	awk -v n="vm $name" -v a="$t0" -v b="$EPOCHREALTIME" \
		'BEGIN { printf "%s\t%.1f\t-\n", n, b - a }' > "$check/$name.phase"
}

runs=()
vms() {
	local spec name kernel shards i prev=() run

	for spec in "$@"; do
		name=${spec%%=*}
		kernel=${spec#*=}
		shards=1
		[[ $name == debug ]] && shards=${CHECK_DEBUG_SHARDS:-2}
		if [[ $shards -eq 1 ]]; then
			vm_for "$name" "$kernel" "$list" "" &
			runs+=("$name $name")
			continue
		fi
		prev=("$top/build/vm/$name" "$top"/build/vm/"$name"-*/)
		"$top/scripts/report.py" shard "$list" "$shards" \
			"$check/$name.list" "${prev[@]}" || return 1
		for i in $(seq "$shards"); do
			run=$name-$i
			vm_for "$run" "$kernel" "$check/$name.list.$i" \
				"$([[ $i -gt 1 ]] && echo kunit.enable=0)" &
			runs+=("$run $name")
		done
	done
	wait
}

echo "== tests: every kernel, side by side"
rm -f "$check"/*.phase
timed "vms, side by side" vms "$@"
cat "$check"/*.phase >> "$phases"
for r in "${runs[@]}"; do
	run=${r% *}
	name=${r#* }
	vm_dirs+=("$top/build/vm/$run")
	echo "== $run"
	"$top/scripts/report.py" vm-run "$top/build/vm/$run" "$name" \
		$([[ $run == *-[2-9] ]] && echo --no-kunit)
	records+=("$top/build/vm/$run/records.tsv")
done

finish
