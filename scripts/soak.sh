#!/bin/bash
# make stress and make fuzz: a few tests, run long or many times, on each
# kernel given, judged like make check (results, splats, kmemleak) and
# closed with its summary line. Exits non-zero if anything failed.
#
# Usage: scripts/soak.sh NAME 'VAR=VALUE...' SECONDS TEST[,TEST...] \
#                        KERNEL=BZIMAGE...
#   NAME     the run, build/vm/NAME-KERNEL
#   VAR=...  environment of the tests in the guest (rounds, duration)
#   SECONDS  time limit of each test, over its own "# test-timeout:"
# The kernels' VMs run side by side.
#   TEST     a path under tests/
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
name=${1:?name}
env=${2?environment}
limit=${3:?seconds per test}
tests=${4:?tests}
shift 4

list=$top/build/$name.list
tr ',' '\n' <<< "$tests" | sed "s|^|$top/|" > "$list"
records=()
vm_dirs=()
start=$SECONDS
ACCEL=$("$top/scripts/kvm-probe.sh" "${1#*=}")
export ACCEL=${ACCEL:-tcg}

# soak_vm RUN BZIMAGE: the tests in one VM, its lines prefixed with RUN
soak_vm() {
	"$top/scripts/vm.sh" -k "$2" -n "$1" -t $((limit + 900)) \
		-c "env $env ZCRX_TEST_TIMEOUT=$limit scripts/guest-tests.sh $list $limit" \
		2>&1 | sed -u "s/^/[$1] /"
}

# The kernels side by side, as in make check
for spec in "$@"; do
	run=$name-${spec%%=*}
	vm_dirs+=("$top/build/vm/$run")
	echo "== $run: $tests ($env)"
	soak_vm "$run" "${spec#*=}" &
done
wait
for spec in "$@"; do
	run=$name-${spec%%=*}
	"$top/scripts/report.py" vm-run "$top/build/vm/$run" "${spec%%=*}"
	records+=("$top/build/vm/$run/records.tsv")
done
echo "== time: $((SECONDS - start)) s in all"
"$top/scripts/report.py" timing /dev/null "${vm_dirs[@]}"
"$top/scripts/report.py" summary "${records[@]}"
