#!/bin/bash
# Throughput of one TCP stream over a loopnic pair (two network
# namespaces, MTU 1500), tcp-data-split off and on. Runs in the VM:
#   make bench
# Numbers from a TCG guest say how the emulated path compares with itself
# (split on vs off, later zcrx vs recv), not what hardware would do.
source "$(dirname "$0")/../tests/lib/loopnic.sh"

BYTES=${BYTES:-$((512 << 20))}
trap ln_cleanup EXIT
ln_setup || exit 1

for split in off on; do
	ln_hds "$LN_NS_B" "$LN_DEV_B" $split
	for run in 1 2 3; do
		report=$(ln_stream "$LN_NS_B" "$LN_NS_A" "$LN_ADDR4_B" "$BYTES") || {
			echo "stream failed: $report"
			exit 1
		}
		rate=$(echo "$report" | sed -n 's/.*MBps=\([0-9.]*\).*/\1/p')
		echo "loopnic one stream, split $split, run $run: $rate MB/s"
	done
done
