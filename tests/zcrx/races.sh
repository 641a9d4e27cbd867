#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 900
#
# Teardown races with data in flight (tests/tools/zcrx_race): each race
# RACE_ROUNDS times (default 3; make stress runs 50), a random timing each
# round from a seed it prints (RACE_SEED repeats a run). After every round
# the provider is gone: no queue shows an io-uring nest and every pool the
# driver let go of has drained; after the dma-buf race the dma-buf is gone
# too. kmemleak and splats are the runner's.
#  1. ring exit vs the NAPI poll refilling from buffers just returned;
#  2. socket shutdown or close vs a running RECV_ZC;
#  3. SIGKILL of the receiver mid-stream;
#  4. device unregister (del_pair) vs ring exit, a fresh pair each round;
#  5. queue restarts vs rings registered and closed, a connection each;
#  6. export fd close vs the exit of a process that imported it;
#  7. dma-buf fd close vs ring exit (the unbind).
source "$(dirname "$0")/../lib/zcrx.sh"

ZCRX_RACE=$LN_BIN/tools/zcrx_race
ROUNDS=${RACE_ROUNDS:-3}
SEED=${RACE_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}

ktap_plan 7
zc_setup
ktap_info "$ROUNDS rounds per race, seed $SEED (RACE_SEED=$SEED repeats it)"

# race_round NAME ROUND [ARGS...]: one round of race NAME, its output in
# the test log on failure
race_round() {
	local name=$1 round=$2 seed=$((SEED + $2)) rc

	shift 2
	in_b "$ZCRX_RACE" "$name" -i "$LN_DEV_B" -q $ZC_QUEUE -p $ZC_PORT \
		-n "/run/netns/$LN_NS_A" -a "$LN_ADDR4_B" -S $seed "$@" \
		> "$zc_tmp/race" 2>&1
	rc=$?
	[ $rc -eq 0 ] && return 0
	sed 's/^/# /' "$zc_tmp/race"
	ktap_info "$name failed in round $round (seed $seed)"
	return 1
}

# gone_round NAME ROUND [ARGS...]: race_round, then the provider is gone
gone_round() {
	race_round "$@" && zc_check_gone
}

# rounds ROUND_FN NAME DESCRIPTION [ARGS...]: ROUND_FN NAME ROUND ARGS...
# for each of the ROUNDS rounds, until one fails; one KTAP result
rounds() {
	local fn=$1 name=$2 desc=$3 i rc=0 start=$SECONDS

	shift 3
	for i in $(seq $ROUNDS); do
		"$fn" "$name" $i "$@" || { rc=1; break; }
	done
	ktap_info "$name: $((i - rc)) rounds in $((SECONDS - start)) s"
	ktap_result $rc "$desc, $ROUNDS times"
}

# unregister_round NAME ROUND: race 4, which deletes the pair; no queue
# is left bound, and the deleted device's pools, which wait on lo, drain.
# A fresh pair for what comes next, whatever happened.
unregister_round() {
	local rc=0

	race_round "$1" "$2" -d "$LN_ID" || rc=1
	ln_no_io_uring "$LN_NS_B" || rc=1
	if ! ln_wait 30 zc_no_pools "$LN_NS_B" lo; then
		ktap_info "the deleted device's pools did not drain"
		rc=1
	fi
	ln_cleanup
	zc_setup
	return $rc
}

# dmabuf_round NAME ROUND: race 7, and the dma-buf is gone after it
dmabuf_round() {
	local before

	before=$(zc_dmabufs)
	gone_round "$1" "$2" || return 1
	zc_dmabufs_back "$before"
}

rounds gone_round ring-exit "ring exit vs NAPI refill: provider gone"
rounds gone_round sock-close \
	"socket shutdown or close vs RECV_ZC: provider gone"
rounds gone_round sigkill "SIGKILL mid-stream: provider gone"
rounds unregister_round unregister \
	"device unregister vs ring exit: pools drained"
# ip netns exec mounts the namespace's sysfs over /sys, which hides
# debugfs: zcrx_race gets the restart knob as an fd opened out here
rounds gone_round restart-reg "queue restarts vs registrations: provider gone" \
	-k /proc/self/fd/3 3> "$(ln_restart_knob "$LN_NS_B" "$LN_DEV_B")"
rounds gone_round export-close \
	"export fd close vs importer exit: provider gone"
rounds dmabuf_round dmabuf-close \
	"dma-buf fd close vs ring exit: provider and dma-buf gone"
ktap_finish
