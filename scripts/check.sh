#!/bin/bash
# make check: the host unit tests, the runner's self-check, then every
# test on every kernel, then one closing line. Exits non-zero if anything
# failed or splatted.
#
# Usage: scripts/check.sh TREE NAME=BZIMAGE...   (the first kernel also
#        runs the runner self-check)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
list=$top/build/tests/list
records=()
timeout=${VM_TIMEOUT:-3000}

# Run a VM and say so if it ended badly; its results are judged either way.
boot() {
	local name=$1 kernel=$2 cmd=$3 rc
	"$top/scripts/vm.sh" -k "$kernel" -n "$name" -t "$timeout" -c "$cmd"
	rc=$?
	[[ $rc -eq 0 ]] || echo "check: VM '$name' exited with status $rc" >&2
}

tree=${1:?tree}
shift
first=${1%%=*}
first_kernel=${1#*=}

echo "== checkpatch --strict on kernel/"
mkdir -p "$top/build/check"
"$top/scripts/checkpatch.sh" "$tree" "$top/build/check/checkpatch.tsv"
records+=("$top/build/check/checkpatch.tsv")

echo "== host: liburing-zcrx unit tests"
host=$top/build/check/host
rm -rf "$host"
mkdir -p "$host"
make -s -C "$top/liburing" O="$top/build/liburing" RESULTS="$host/results" \
	check > "$host/make.log" 2>&1
"$top/scripts/report.py" host-run "$host" host
records+=("$host/records.tsv")

echo "== runner self-check: a deliberate WARNING must fail a run"
boot selfcheck "$first_kernel" \
	"echo WARNING > /sys/kernel/debug/provoke-crash/DIRECT"
"$top/scripts/report.py" expect-splat "$top/build/vm/selfcheck" \
	"splat detector fails a run with an lkdtm WARNING ($first)"
records+=("$top/build/vm/selfcheck/records.tsv")

for spec in "$@"; do
	name=${spec%%=*}
	kernel=${spec#*=}
	echo "== $name kernel"
	boot "$name" "$kernel" "scripts/guest-tests.sh $list"
	"$top/scripts/report.py" vm-run "$top/build/vm/$name" "$name"
	records+=("$top/build/vm/$name/records.tsv")
done

"$top/scripts/report.py" summary "${records[@]}"
