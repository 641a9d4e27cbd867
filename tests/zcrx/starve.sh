#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Starvation: a consumer that sleeps on every buffer, and few buffers. The
# bound queue runs out of them (frames dropped for want of a descriptor,
# or failed refills), the flow stalls, and it recovers as the consumer
# returns buffers: every byte arrives, zero-copy, verified.
#  1. one area of 64 4 KiB buffers;
#  2. large buffers over several areas: three 2 MiB areas of 64 KiB
#     buffers on huge pages (the second and third added with ADD_AREA).
# Each case runs STARVE_ROUNDS times (default 1; make stress runs 50, of
# smaller streams).
source "$(dirname "$0")/../lib/zcrx.sh"

ROUNDS=${STARVE_ROUNDS:-1}

ktap_plan 2
zc_setup
zc_hugepages 3 || ktap_info "the large-buffer case cannot pass"

starved() {
	echo $(($(ln_stat "$LN_NS_B" "$LN_DEV_B" rx${ZC_QUEUE}_drops_no_desc) +
		$(ln_stat "$LN_NS_B" "$LN_DEV_B" rx${ZC_QUEUE}_alloc_fail)))
}

# 8 MiB for one round; many rounds (make stress) 1 MiB each, which still
# starves the queue hundreds of times a round
if [ "$ROUNDS" -gt 1 ]; then
	BYTES=$((1 << 20))
else
	ktap_scale BYTES $((8 << 20))
fi

# starve_round ZCRX_RX_ARGS...: one starved stream of BYTES, verified,
# all zero-copy, and the queue ran out of buffers on the way
starve_round() {
	local before after rc

	before=$(starved)
	zc_run starve "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 1 $BYTES -s 300 "$@"
	rc=$?
	after=$(starved)
	ktap_info "queue $ZC_QUEUE ran out of buffers $((after - before)) times ($counters)"
	[ "$counters" = "$BYTES 0" ] || rc=1
	[ $((after - before)) -gt 0 ] || rc=1
	return $rc
}

# starve_case DESCRIPTION ZCRX_RX_ARGS...: ROUNDS rounds, one result
starve_case() {
	local desc=$1 i rc=0

	shift
	for i in $(seq $ROUNDS); do
		starve_round "$@" || { rc=1; break; }
	done
	ktap_result $rc "$desc stalls the flow, which recovers: $BYTES bytes verified, zero-copy, $((i - rc)) of $ROUNDS times"
}

starve_case "a 64-buffer area with a slow consumer" -A 256K -r 64
starve_case "three areas of 64 KiB buffers with a slow consumer" \
	-m huge -R 64K -A 2M -n 2 -z 2M -r 64
ktap_finish
