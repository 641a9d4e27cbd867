#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 600
#
# A seeded random fuzzer over the whole zcrx API (tests/tools/zcrx_fuzz.c
# says what it does) while the device under it changes and verified
# streams run next to it:
#  - zcrx_fuzz with FUZZ_WORKERS workers on queues 2.. of B, a second
#    loopnic pair (lnc0/lnd0, B end in B's namespace) and NODEV, each
#    worker with a NIC flow of its own steered to one of those queues;
#  - a chaos loop: rx queue restarts on both pairs (the bound queues and
#    the verified ones included), and on the second pair channel count,
#    MTU and tcp-data-split changes and delete/re-create;
#  - zcrx_rx receiving a pattern stream zero-copy on ZC_QUEUE and pstream
#    one on the RSS queue, both checked byte by byte.
# Fails on a fuzzer verdict (a wrong answer, a bad byte, a hang, a VmPin
# leak: zcrx_fuzz prints the seed and each worker's last ops), a bad
# stream, a provider, page pool or dma-buf left behind, or (for the
# default round) less than 10^6 refill entries or 10^4 API calls. Kernel
# splats are the runner's to catch.
#
# The short round (no FUZZ_DURATION) stops once it made MIN_CALLS API calls
# and wrote MIN_REFILL refill entries, FUZZ_SHORT seconds at most.
#
# Environment: FUZZ_DURATION (seconds of fuzzing, for a soak: the fuzzer
# runs that long), FUZZ_SEED (default: from the clock, printed),
# FUZZ_WORKERS (default 4).
source "$(dirname "$0")/../lib/zcrx.sh"

FUZZ=$LN_BIN/tools/zcrx_fuzz
FUZZ_SHORT=50
FUZZ_WORKERS=${FUZZ_WORKERS:-4}
FUZZ_PORT=9100		# worker N's NIC flow: FUZZ_PORT + N
FUZZ_Q=2		# the fuzzer's queues of B: FUZZ_Q .. FUZZ_Q + FUZZ_NQ - 1
FUZZ_NQ=2
KILL_MS=5000		# a worker SIGKILLed every KILL_MS on average
# The second pair, only for the chaos loop to change under the fuzzer
P2_ID=2
P2_A=lnc0
P2_B=lnd0
MIN_CALLS=10000
MIN_REFILL=1000000
short=()
if [ -z "${FUZZ_DURATION:-}" ]; then
	FUZZ_DURATION=$FUZZ_SHORT
	# a tenth more than needed, then stop
	short=(-C $((MIN_CALLS * 11 / 10)) -R $((MIN_REFILL * 11 / 10)))
fi

stop=$zc_tmp/stop
chaos_log=$zc_tmp/chaos

fuzz_cleanup() {
	touch "$stop"
	echo "$P2_ID" > /sys/bus/loopnic/del_pair 2>/dev/null
	zc_cleanup
}
trap fuzz_cleanup EXIT

# pair2_up: the second pair, B end next to B's; tcp-data-split on
pair2_up() {
	echo "$P2_ID $P2_A $P2_B" > /sys/bus/loopnic/new_pair || return 1
	ip link set "$P2_A" netns "$LN_NS_A" || return 1
	ip link set "$P2_B" netns "$LN_NS_B" || return 1
	in_a ip link set "$P2_A" up
	in_b ip link set "$P2_B" up
	in_b ethtool -L "$P2_B" combined 4
	ln_hds_try "$LN_NS_B" "$P2_B" on
}

# restart_queue PAIR_ID DEV QUEUE: restart an rx queue of B's end DEV
restart_queue() {
	local port

	port=$(in_b cat "/sys/class/net/$2/dev_port" 2>/dev/null) || return 1
	echo "$3" > "/sys/kernel/debug/loopnic/$1/port$port/restart_queue"
}

# chaos_step: one random change; what it did goes to the log
chaos_step() {
	local what rc

	case $((RANDOM % 8)) in
	0 | 1)
		what="restart $LN_DEV_B queue $((RANDOM % (FUZZ_Q + FUZZ_NQ)))"
		restart_queue "$LN_ID" "$LN_DEV_B" "${what##* }"
		;;
	2)
		what="restart $P2_B queue $((RANDOM % 4))"
		restart_queue "$P2_ID" "$P2_B" "${what##* }"
		;;
	3)
		what="channels $P2_B $((1 + RANDOM % 8))"
		in_b ethtool -L "$P2_B" combined "${what##* }"
		;;
	4)
		what="mtu $P2_B $((1280 + RANDOM % 8000))"
		in_b ip link set "$P2_B" mtu "${what##* }"
		;;
	5)
		what="tcp-data-split $P2_B $( ((RANDOM % 2)) && echo on || echo off)"
		ln_hds_try "$LN_NS_B" "$P2_B" "${what##* }"
		;;
	6)
		what="re-create pair $P2_ID"
		echo "$P2_ID" > /sys/bus/loopnic/del_pair && pair2_up
		;;
	*)
		what="restart $LN_DEV_B queue $ZC_QUEUE (the verified one)"
		restart_queue "$LN_ID" "$LN_DEV_B" $ZC_QUEUE
		;;
	esac > /dev/null 2>&1
	rc=$?
	echo "$what: $rc" >> "$chaos_log"
}

# chaos: changes until $stop exists. The pause only paces the changes,
# it waits for nothing.
chaos() {
	RANDOM=$1
	until [ -e "$stop" ]; do
		chaos_step
		sleep 0.$((RANDOM % 5))
	done
}

ktap_plan 5
zc_setup $((FUZZ_Q + FUZZ_NQ))
[ -x "$FUZZ" ] || { ktap_info "no $FUZZ"; exit 1; }
for ((w = 0; w < FUZZ_WORKERS; w++)); do
	in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $((FUZZ_PORT + w)) \
		action $((FUZZ_Q + w % FUZZ_NQ)) > /dev/null
done
pair2_up || ktap_info "the second pair did not come up"
dmabufs=$(zc_dmabufs)
ktap_info "$dmabufs dma-bufs before the fuzzer"

# The verified streams, until $stop exists
zc_start zc -q $ZC_QUEUE -p $ZC_PORT -c 1 -t $((FUZZ_DURATION + 300)) ||
	ktap_info "zcrx_rx did not start"
zc_rx=$zc_pid
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT -u "$stop" \
	> "$zc_tmp/zc.send" 2>&1 &
zc_send=$!
in_b "$PSTREAM" recv -p $ZC_OTHER_PORT -c 1 -t $((FUZZ_DURATION + 300)) \
	> "$zc_tmp/rss" 2>&1 &
rss_rx=$!
in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_OTHER_PORT -u "$stop" \
	> "$zc_tmp/rss.send" 2>&1 &
rss_send=$!
ln_wait 30 zc_flowing "$zc_rx" || ktap_info "no data reached zcrx_rx"
ktap_info "set up in $SECONDS s"

seed=${FUZZ_SEED:-$(date +%s%N)}
chaos $((seed % 32768)) &
chaos_pid=$!
start=$SECONDS
in_b "$FUZZ" -i "$LN_DEV_B" -I "$P2_B" -q $FUZZ_Q -Q $FUZZ_NQ \
	-w "$FUZZ_WORKERS" -d "$FUZZ_DURATION" "${short[@]}" -S "$seed" -k $KILL_MS \
	-P $FUZZ_PORT -a "$LN_ADDR4_B" -N "/run/netns/$LN_NS_A" \
	> "$zc_tmp/fuzz" 2>&1
rc=$?
touch "$stop"
ktap_info "the fuzzer ended after $((SECONDS - start)) s"
sed '/^#/!s/^/# /' "$zc_tmp/fuzz"
grep -q '^done: ok' "$zc_tmp/fuzz" || rc=1
ktap_result $rc "zcrx_fuzz seed $seed: $FUZZ_WORKERS workers, no wrong answer, bad byte, hang or pinned page left"

rc=0
totals=$(grep '^# fuzz: ' "$zc_tmp/fuzz")
calls=$(echo "$totals" | sed -n 's/.* calls=\([0-9]*\).*/\1/p')
refill=$(echo "$totals" | sed -n 's/.* refill_entries=\([0-9]*\).*/\1/p')
if [ ${#short[@]} = 0 ] && [ "$FUZZ_DURATION" -lt "$FUZZ_SHORT" ]; then
	ktap_skip "volume" "a round shorter than $FUZZ_SHORT s"
else
	[ "${calls:-0}" -ge $MIN_CALLS ] && [ "${refill:-0}" -ge $MIN_REFILL ] ||
		rc=1
	ktap_result $rc "volume: ${calls:-0} API calls (at least $MIN_CALLS), ${refill:-0} refill entries (at least $MIN_REFILL)"
fi

wait "$chaos_pid"
ktap_info "the chaos loop ended after $((SECONDS - start)) s"
sed 's/^/# chaos: /' "$chaos_log" | sort | uniq -c | sed 's/^ */# /'
rc=0
[ -s "$chaos_log" ] || rc=1
ktap_result $rc "chaos: $(wc -l < "$chaos_log") queue restarts and changes of the second pair"

rc=0
zc_reap "$zc_rx" 120 || rc=1
sed 's/^/# zcrx_rx: /' "$zc_tmp/zc"
grep -q '^done: ok' "$zc_tmp/zc" || rc=1
zc_reap "$rss_rx" 120 || rc=1
sed 's/^/# pstream recv: /' "$zc_tmp/rss"
zc_reap "$zc_send" 30
zc_reap "$rss_send" 30
ktap_info "the streams ended after $((SECONDS - start)) s"
ktap_result $rc "next to the fuzzer and the chaos, a zero-copy stream on queue $ZC_QUEUE and a copied one on the RSS queue arrive verified"

rc=0
zc_check_gone || rc=1
zc_dmabufs_back "$dmabufs" || rc=1
ktap_info "all done after $SECONDS s"
ktap_result $rc "all gone: no io-uring nest on any queue, every page pool drained, $dmabufs dma-bufs as before"
ktap_finish
