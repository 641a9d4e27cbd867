#!/bin/bash
# Rx buffer sizes: what a byte costs the receiving CPU with zcrx-sink's
# buffers at 4, 16, 32 and 64 KiB, at MTU 1500 and 9000, every byte
# checked, on the setup and method of receive_cost.sh (bench/lib/
# receive.sh: sender on CPU 0; the queue's interrupt and the sink on CPU
# 1; busy time of CPU 1). Each round runs every size at every MTU in turn,
# so drift hits all alike; the table has the median of RUNS rounds (at
# least 3) of throughput, completions per MiB, receive-CPU seconds per GiB
# and MB per receive-CPU-second. Runs in the VM:
#   make bench
# A TCG guest has no DMA and a slow CPU: the numbers compare the sizes on
# this emulated path, not what a NIC would do.
source "$(dirname "$0")/lib/receive.sh"

BYTES=${BYTES:-$((128 << 20))}
RUNS=${RUNS:-3}
SIZES="4 16 32 64"		# KiB
MTUS="1500 9000"

[ "$RUNS" -ge 3 ] || { echo "RUNS must be at least 3 for a median"; exit 2; }
results=$(mktemp)
trap 'rc_cleanup; rm -f "$results"' EXIT
rc_setup || exit 1

for run in $(seq "$RUNS"); do
	for mtu in $MTUS; do
		rc_set_mtu "$mtu"
		for kib in $SIZES; do
			r=$(rc_run "zcrx-${kib}k" on "$BYTES") && [ -n "$r" ] || {
				echo "run $run, MTU $mtu, $kib KiB buffers failed"
				exit 1
			}
			[ "$(rc_jget rx_buf_len)" = $((kib << 10)) ] || {
				echo "the sink ran with $(rc_jget rx_buf_len)-byte buffers, not $kib KiB"
				exit 1
			}
			r="$r $(rc_jget cqes_per_mib)"
			echo "run $run: MTU $mtu, $kib KiB buffers: $r (MB/s; receive CPU user, sys, softirq, irq s; cqes/MiB)"
			echo "$mtu $kib $r" >> "$results"
		done
	done
done
rc_set_mtu 1500

echo "zcrx-sink by rx buffer size, one stream of $((BYTES >> 20)) MiB, median of $RUNS runs:"
printf '%6s %10s %8s %9s %14s %9s\n' MTU rx_buf_len MB/s cqes/MiB "CPU s/GiB" MB/CPU-s
for mtu in $MTUS; do
	for kib in $SIZES; do
		awk -v m="$mtu" -v k="$kib" -v b="$BYTES" '
		function median(a, n,    i, j, t) {
			for (i = 2; i <= n; i++)
				for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
					t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
				}
			return a[int((n + 1) / 2)]
		}
		$1 == m && $2 == k {
			n++; rate[n] = $3; cqes[n] = $8
			busy = $4 + $5 + $6 + $7
			cpu[n] = busy / (b / 2^30); eff[n] = busy ? b / 1e6 / busy : 0
		}
		END {
			printf "%6s %6s KiB %8.1f %9.1f %14.2f %9.1f\n", m, k,
			       median(rate, n), median(cqes, n), median(cpu, n),
			       median(eff, n)
		}' "$results"
	done
done
