#!/bin/bash
# loopnic carries TCP byte-exact between two network namespaces: IPv4 and
# IPv6, tcp-data-split off and on, MTU 1500 and 9000, 64 MiB per stream
# (4 on the debug kernel), every byte checked against its pattern. With
# split on, frames must really arrive split (the receiver's hds counter
# moves); with it off, they must not.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

ktap_plan 8
ZCRX_DEBUG_SCALE=16 ktap_scale BYTES $((64 << 20))
trap ln_cleanup EXIT
ln_setup || { ktap_info "cannot set up the pair"; exit 1; }

for mtu in 1500 9000; do
	in_a ip link set "$LN_DEV_A" mtu $mtu
	in_b ip link set "$LN_DEV_B" mtu $mtu
	for split in off on; do
		ln_hds "$LN_NS_B" "$LN_DEV_B" $split
		for addr in "$LN_ADDR4_B" "$LN_ADDR6_B"; do
			name="mtu $mtu split $split to $addr: $((BYTES >> 20)) MiB verified"
			before=$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx_hds_packets)
			ln_stream "$LN_NS_B" "$LN_NS_A" "$addr" $BYTES
			rc=$?
			after=$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx_hds_packets)
			split_frames=$((after - before))
			ktap_info "split frames: $split_frames"
			if [ $split = on ] && [ $split_frames -le 0 ]; then
				ktap_info "split is on but no frame was split"
				rc=1
			elif [ $split = off ] && [ $split_frames -ne 0 ]; then
				ktap_info "split is off but frames were split"
				rc=1
			fi
			ktap_result $rc "$name"
		done
	done
done
ktap_finish
