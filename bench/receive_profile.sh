#!/bin/bash
# Where the receiving CPU's time goes: a perf profile (software cpu-clock
# event, which works under TCG) of the receiving CPU in the setup of
# bench/receive_cost.sh, one stream per receiver at each MTU, no
# verification. Prints the top symbols of each; the perf data and the full
# reports go to build/bench/profile/. Runs in the VM:
#   make bench
source "$(dirname "$0")/lib/receive.sh"

BYTES=${BYTES:-$((1 << 30))}
MTUS=${MTUS:-"1500 9000"}
RECEIVERS=${RECEIVERS:-"zcrx-4k zcrx-64k recv epoll"}
TOP=${TOP:-15}

command -v "$PERF" > /dev/null || { echo "no $PERF: make deps installs linux-perf"; exit 1; }
trap rc_cleanup EXIT
rc_setup || exit 1
echo 0 > /proc/sys/kernel/kptr_restrict
echo -1 > /proc/sys/kernel/perf_event_paranoid
# Sampling under TCG is slow; unthrottled, perf keeps the asked rate.
echo 0 > /proc/sys/kernel/perf_cpu_time_max_percent
dir=$RC_OUT/profile
mkdir -p "$dir"

for mtu in $MTUS; do
	rc_set_mtu "$mtu"
	for r in $RECEIVERS; do
		data=$dir/$r-$mtu.data
		c0=$(rc_queue_counters)
		res=$(rc_run "$r" off "$BYTES" "$data") && [ -n "$res" ] || {
			echo "MTU $mtu, $r failed"
			exit 1
		}
		c1=$(rc_queue_counters)
		"$PERF" report -i "$data" --no-children -g none --sort symbol --stdio \
			2> /dev/null | grep -v '^$' > "$dir/$r-$mtu.txt"
		echo "== MTU $mtu, $r: $res (MB/s; receive CPU user, sys, softirq, irq s)"
		echo "$c0 $c1" | awk '{ printf "   %d packets, %d interrupts, %.1f packets per interrupt\n",
			$3 - $1, $4 - $2, ($3 - $1) / ($4 - $2 ? $4 - $2 : 1) }'
		grep -m1 '^# Samples' "$dir/$r-$mtu.txt"
		grep -E '^ +[0-9.]+%' "$dir/$r-$mtu.txt" | head -n "$TOP"
	done
done
rc_set_mtu 1500
