#!/bin/bash
# What a byte costs the receiving CPU: zcrx-sink against the copying
# receivers of tools/recv-plain (blocking recv(), and epoll + recv()).
#
# On a NIC the DMA is free and the interrupt lands on the CPU its affinity
# names, so throughput alone measures whichever CPU is the bottleneck.
# Here (bench/lib/receive.sh) the sender and loopnic's emulated DMA run on
# CPU 0; the receiving queue's interrupt, its NAPI and the receiver run on
# CPU 1. For each receiver the table gives throughput and MB per
# receive-CPU-second: bytes over the busy time of CPU 1 (user + system +
# softirq + irq in the guest's /proc/stat) from the moment the receiver
# listens to its total line, so its setup and teardown are outside.
#
# Receivers: zcrx-sink with 4 KiB and with 64 KiB buffers, recv-plain -m
# recv and -m epoll. Each round runs every receiver at MTU 1500 and 9000,
# with and without checking every byte, in turn, so drift hits all alike;
# the table has the median of RUNS rounds (7; at least 5). Results in
# build/bench/: receive-cost.txt (the table), receive-cost.dat (every
# run), receive-cost.png (the plot). Documentation/benchmarks.md has the
# method. Runs in the VM:
#   make bench
# A TCG guest's absolute numbers mean nothing; the ratios in one run do.
source "$(dirname "$0")/lib/receive.sh"

BYTES=${BYTES:-$((512 << 20))}
RUNS=${RUNS:-7}
MTUS=${MTUS:-"1500 9000"}
VERIFY=${VERIFY:-"off on"}
RECEIVERS=${RECEIVERS:-"zcrx-4k zcrx-64k recv epoll"}

[ "$RUNS" -ge 5 ] || { echo "RUNS must be at least 5 for a median"; exit 2; }
trap rc_cleanup EXIT
rc_setup || exit 1

dat=$RC_OUT/receive-cost.dat
echo "# mtu verify receiver run MB/s user_s sys_s softirq_s irq_s bytes" > "$dat"
for run in $(seq "$RUNS"); do
	for mtu in $MTUS; do
		rc_set_mtu "$mtu"
		for v in $VERIFY; do
			for r in $RECEIVERS; do
				res=$(rc_run "$r" "$v" "$BYTES") && [ -n "$res" ] || {
					echo "run $run, MTU $mtu, verify $v, $r failed"
					exit 1
				}
				echo "run $run: MTU $mtu verify $v $r: $res (MB/s; receive CPU user, sys, softirq, irq s)"
				echo "$mtu $v $r $run $res $BYTES" >> "$dat"
			done
		done
	done
done
rc_set_mtu 1500

"$(dirname "$0")/receive_cost_report.py" "$dat" "$RC_OUT/receive-cost"
