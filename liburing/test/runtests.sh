#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the unit tests named on the command line, one after the other, and
# shows their KTAP. Exit status 0 passes, 4 is a skip, anything else fails.
# With RESULTS=DIR each test also leaves NNN.name, NNN.out and NNN.rc in
# DIR: the layout the rig's scripts/report.py reads.
#
# Usage: [RESULTS=DIR] test/runtests.sh PROGRAM...

results=${RESULTS:-}
if [ -n "$results" ]; then
	rm -rf "$results"
	mkdir -p "$results"
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT

n=0
failed=""
for test in "$@"; do
	n=$((n + 1))
	name=liburing/$(basename "$test" .sh)
	echo "# running $name"
	"$test" > "$out" 2>&1 < /dev/null
	rc=$?
	cat "$out"
	case $rc in
	0|4)	;;
	*)	failed="$failed $name"
		echo "# $name: exit status $rc" ;;
	esac
	if [ -n "$results" ]; then
		id=$(printf '%03d' $n)
		echo "$name" > "$results/$id.name"
		cp "$out" "$results/$id.out"
		echo $rc > "$results/$id.rc"
	fi
done

if [ -n "$failed" ]; then
	echo "# liburing-zcrx: failed:$failed"
	exit 1
fi
echo "# liburing-zcrx: $n test programs passed"
