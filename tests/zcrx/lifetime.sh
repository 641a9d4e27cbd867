#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 900
#
# Lifetime of io_uring zero-copy receive buffers (zcrx ABI §7): a buffer the
# user holds stays valid until the user returns it or the ring goes away,
# whatever happens to the socket, the process, the queue or the device, and
# none is leaked. Each case ends with the ring gone, and then the provider:
# no queue shows an io-uring nest and no page pool of the device is left
# waiting for buffers (kmemleak is checked by the runner after the run).
#  1. the ring exits while the user holds every buffer it received;
#  2. the receiver is SIGKILLed mid-stream; a new instance on the queue
#     then receives a whole stream zero-copy;
#  3. sockets are closed before their buffers are returned; the buffers
#     still hold their bytes after another connection's traffic;
#  4. the device is unregistered while a stream runs into the instance;
#  5. the bound queue is restarted again and again under a stream;
#  6. 50 registrations on the same queue in a row, each right after the
#     ring of the one before exits;
#  7. the ring is closed while its socket stays open with zero-copy data
#     unread: the device can be deleted at once, and the buffers in the
#     socket come home when it is closed.
source "$(dirname "$0")/../lib/zcrx.sh"

ktap_plan 7
zc_setup

MiB=$((1 << 20))
# fewer on the debug kernel, which is there for KASAN and lockdep
ktap_scale RESTARTS 10
ktap_scale LOOPS 50
# streams come every tenth registration
LOOPS=$((LOOPS < 10 ? 10 : LOOPS / 10 * 10))

# send_until STOP: an endless stream to ZC_PORT that ends once file STOP
# exists; sets $send_pid (pstream itself, as ip netns exec execs it)
send_until() {
	ip netns exec "$LN_NS_A" "$PSTREAM" send -a "$LN_ADDR4_B" \
		-p $ZC_PORT -u "$1" > /dev/null 2>&1 &
	send_pid=$!
}

# show NAME: zcrx_rx's output in the test log
show() {
	sed 's/^/# zcrx_rx: /' "$zc_tmp/$1"
}

# done_ok NAME: zcrx_rx said so
done_ok() {
	grep -q '^done: ok' "$zc_tmp/$1"
}

# conn_bytes NAME: bytes of all connections of a zcrx_rx output
conn_bytes() {
	sed -n 's/^conn .* bytes=\([0-9]*\) .*/\1/p' "$zc_tmp/$1" |
		awk '{ n += $1 } END { print n + 0 }'
}

# 1. Nothing ever returned: the 2900 buffers of 4 MiB (1448 payload bytes
# each) are scrubbed back when the ring exits.
hold_case() {
	local rc

	zc_run hold "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 1 $((4 * MiB)) -H
	rc=$?
	[ "$counters" = "$((4 * MiB)) 0" ] || rc=1
	grep -q 'held=[1-9]' "$zc_tmp/hold" || rc=1
	ktap_result $rc "ring exit with every buffer held: 4 MiB verified, none returned, provider gone ($counters)"
}

# 2. SIGKILL while data flows; the sender's connection is reset.
kill_case() {
	local rc=0 bytes=$((8 * MiB))

	zc_start kill -q $ZC_QUEUE -p $ZC_PORT || rc=1
	send_until "$zc_tmp/kill.stop"
	ln_wait 30 zc_flowing $zc_pid || rc=1
	ktap_info "killing zcrx_rx after $(zc_info $zc_pid zc_bytes) bytes"
	kill -9 $zc_pid
	zc_reap $zc_pid 10
	[ $? -eq 137 ] || rc=1
	touch "$zc_tmp/kill.stop"
	zc_reap $send_pid 30
	[ $? -eq 124 ] && rc=1
	zc_check_gone || rc=1

	zc_run afterkill "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 1 $bytes || rc=1
	[ "$counters" = "$bytes 0" ] || rc=1
	ktap_result $rc "SIGKILL mid-stream, provider gone; then a new instance: 8 MiB verified, all zero-copy ($counters)"
}

# 3. Both connections keep their buffers past EOF and close; the 1 MiB
# one ends first and its buffers are checked after 7 MiB more of the
# other one went through the queue, which would have reused any of them
# the close had freed.
close_case() {
	local rc=0 s1 s2 total=$((9 * MiB))

	# 1448 payload bytes per buffer: 9 MiB keep 6500 of the 8192 buffers,
	# and the refill ring takes them all back at once when both ended
	zc_start close -q $ZC_QUEUE -p $ZC_PORT -c 2 -C -A 32M -r 8192 || rc=1
	in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT -b $MiB &
	s1=$!
	in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT -b $((8 * MiB)) &
	s2=$!
	wait $s1 || rc=1
	wait $s2 || rc=1
	zc_reap $zc_pid 120 || rc=1
	show close
	done_ok close || rc=1
	counters=$(zc_counters "$zc_tmp/close")
	[ "$counters" = "$total 0" ] || rc=1
	zc_check_gone || rc=1
	ktap_result $rc "sockets closed before their buffers are returned: 1 + 8 MiB verified after the close, all counted ($counters)"
}

# pair_gone: neither end of the pair exists any more
pair_gone() {
	! in_b ip link show "$LN_DEV_B" > /dev/null 2>&1 &&
		! in_a ip link show "$LN_DEV_A" > /dev/null 2>&1
}

# 4. del_pair under a stream. The provider is uninstalled (the instance's
# fdinfo shows rxq=-1), zcrx_rx ends its connection itself, as TCP is
# never told, and exits. The device's pools moved to B's lo and must
# drain once the ring is gone. Then a fresh pair for the cases after, with
# nothing bound.
unregister_case() {
	local rc=0

	zc_start unreg -q $ZC_QUEUE -p $ZC_PORT -E || rc=1
	send_until "$zc_tmp/unreg.stop"
	ln_wait 30 zc_flowing $zc_pid || rc=1
	echo "$LN_ID" > /sys/bus/loopnic/del_pair || rc=1
	ln_wait 30 pair_gone || rc=1
	zc_reap $zc_pid 30 || rc=1
	show unreg
	grep -q '^unbound' "$zc_tmp/unreg" || rc=1
	done_ok unreg || rc=1
	# its peer is gone: it would wait in send() forever
	kill $send_pid
	zc_reap $send_pid 10

	ln_no_io_uring "$LN_NS_B" || rc=1
	if ! ln_wait 30 zc_no_pools "$LN_NS_B" lo; then
		ktap_info "the unregistered device's pools did not drain"
		ln_pools "$LN_NS_B" lo | sed 's/^/# pool id inflight detached: /'
		rc=1
	fi
	ln_cleanup
	zc_setup
	zc_check_gone || rc=1
	ktap_info "$(conn_bytes unreg) bytes verified before the device went away"
	ktap_result $rc "device unregistered under a stream: the receive ends, the pools drain after ring exit"
}

# rx_packets: packets the bound queue received so far
rx_packets() {
	ln_rx_packets "$LN_NS_B" "$LN_DEV_B" | awk -v q=$ZC_QUEUE '{ print $(q + 1) }'
}

# moved_since N: the bound queue received packets since it counted N
moved_since() {
	[ "$(rx_packets)" -gt "$1" ]
}

# 5. Each restart swaps in a new page pool backed by the same instance;
# the old pool waits for the buffers the user holds, which come home when
# returned. Frames lost in the restart are resent by TCP into the new
# pool, so every byte is still zero-copy.
restart_case() {
	local rc=0 knob i done_restarts=0 bytes zc copy

	knob=$(ln_restart_knob "$LN_NS_B" "$LN_DEV_B")
	zc_start restart -q $ZC_QUEUE -p $ZC_PORT || rc=1
	send_until "$zc_tmp/restart.stop"
	for i in $(seq $RESTARTS); do
		ln_wait 30 moved_since "$(rx_packets)" || break
		echo $ZC_QUEUE > "$knob" || break
		done_restarts=$i
	done
	[ $done_restarts -eq $RESTARTS ] || rc=1
	ln_wait 30 moved_since "$(rx_packets)" || rc=1
	touch "$zc_tmp/restart.stop"
	zc_reap $send_pid 60 || rc=1
	zc_reap $zc_pid 60 || rc=1
	show restart
	done_ok restart || rc=1
	bytes=$(conn_bytes restart)
	read -r zc copy <<< "$(zc_counters "$zc_tmp/restart")"
	[ "$zc" = "$bytes" ] && [ "$copy" = 0 ] && [ "$bytes" -gt 0 ] || rc=1
	zc_check_gone || rc=1
	ktap_info "$bytes bytes verified, $zc zero-copy, $copy copied"
	ktap_result $rc "$done_restarts restarts of the bound queue under a stream: verified, all zero-copy"
}

# 6. One process, fresh rings: a stream of 1 MiB every 10th registration.
# Closing a ring frees its queue before close() returns; a small area
# leaves the next registration little to do before it reaches the queue,
# so a queue freed any later (by the exit work) would show as -EEXIST.
# Ten registrations can take longer than pstream's default 10 s of
# waiting for a listener on a loaded host.
# listening N: zcrx_rx reg has listened N times
listening() {
	[ "$(grep -c '^listening' "$zc_tmp/reg")" -ge "$1" ]
}

reregister_case() {
	local rc=0 sender i

	zc_start reg -q $ZC_QUEUE -p $ZC_PORT -L $LOOPS -e 10 -b $MiB -A 1M ||
		rc=1
	# each stream once its run listens: the registrations in between may
	# take long on a loaded host, and a sender must not give up on them
	(
		for i in $(seq $((LOOPS / 10))); do
			ln_wait 300 listening $i || exit 1
			in_a "$PSTREAM" send -a "$LN_ADDR4_B" -p $ZC_PORT \
				-b $MiB -w 60 || exit 1
		done
	) &
	sender=$!
	zc_reap $zc_pid 300 || rc=1
	zc_reap $sender 10 || rc=1
	show reg
	grep -q "^loops: $LOOPS" "$zc_tmp/reg" || rc=1
	done_ok reg || rc=1
	zc_check_gone || rc=1
	ktap_result $rc "$LOOPS registrations on queue $ZC_QUEUE, each right after the last ring exit, 1 MiB streams verified"
}

# unread: bytes B's established connections to ZC_PORT have not read
unread() {
	in_b ss -Htn "sport = :$ZC_PORT" |
		awk '$1 == "ESTAB" { n += $2 } END { print n + 0 }'
}

# pools_with_buffers NS DEV: DEV has a pool the driver let go of that still
# waits for buffers
pools_with_buffers() {
	ln_pools "$1" "$2" | awk '$3 == 1 && $2 > 0 { f = 1 } END { exit !f }'
}

# no_pool NS: page-pool-get lists no pool at all in NS
no_pool() {
	local pools

	ln_flush_defer
	pools=$(nlq "$1" pools) && [ -z "$pools" ]
}

# flushed_exit PID: like zc_exited, pushing deferred skb frees along first
flushed_exit() {
	ln_flush_defer
	zc_exited "$1"
}

# 7. Closing the ring unbinds the queue and drops the device right away
# (ABI §7); the buffers still in the socket keep only the area, which
# stays pinned until the old pool drains. So del_pair returns within
# seconds while the socket is open; it used to wait in
# netdev_wait_allrefs() until the socket was closed and its skbs freed.
# Last: it deletes the pair.
open_socket_case() {
	local rc=0 q start took=-1 del

	zc_start keep -q $ZC_QUEUE -p $ZC_PORT -B $MiB \
		-K "$zc_tmp/keep.release" || rc=1
	send_until "$zc_tmp/keep.stop"
	ln_wait 60 grep -q '^ring closed' "$zc_tmp/keep" || rc=1
	q=$(unread)
	ktap_info "ring closed with $q bytes unread in the socket"
	[ "$q" -gt 0 ] || rc=1
	ln_no_io_uring "$LN_NS_B" || rc=1
	if ! pools_with_buffers "$LN_NS_B" "$LN_DEV_B"; then
		ktap_info "no pool waits for the buffers in the socket"
		rc=1
	fi

	start=$SECONDS
	(echo "$LN_ID" > /sys/bus/loopnic/del_pair) &
	del=$!
	if ln_wait 20 zc_exited $del; then
		took=$((SECONDS - start))
		ln_wait 10 pair_gone || rc=1
		# the area is still in the socket, and its pool waits on lo
		zc_exited $zc_pid && rc=1
		if ! pools_with_buffers "$LN_NS_B" lo; then
			ktap_info "no pool waits for the socket's buffers after del_pair"
			rc=1
		fi
	else
		ktap_info "del_pair still waits after 20 s with the socket open"
		rc=1
	fi

	touch "$zc_tmp/keep.release"
	zc_reap $zc_pid 30 || rc=1
	show keep
	done_ok keep || rc=1
	grep -q '^sockets closed' "$zc_tmp/keep" || rc=1
	if [ $took -lt 0 ]; then
		if ln_wait 60 flushed_exit $del; then
			ktap_info "del_pair returned $((SECONDS - start)) s after it began, once the socket was closed"
		else
			ktap_info "del_pair still waits after the socket was closed"
		fi
	fi
	# its peer is gone: it would wait in send() forever
	kill $send_pid
	zc_reap $send_pid 10

	if ! ln_wait 30 no_pool "$LN_NS_B"; then
		ktap_info "pools are left after the socket was closed"
		nlq "$LN_NS_B" pools | sed 's/^/# /'
		rc=1
	fi
	took=$([ $took -ge 0 ] && echo "in $took s" || echo "not within 20 s")
	ktap_result $rc "ring closed, socket open with zero-copy data unread: del_pair returns $took, the pools drain once the socket is closed"
}

# timed CASE: run it and say how long it took
timed() {
	local start=$SECONDS

	"$@"
	ktap_info "$1 took $((SECONDS - start)) s"
}

timed hold_case
timed kill_case
timed close_case
timed unregister_case
timed restart_case
timed reregister_case
timed open_socket_case
ktap_finish
