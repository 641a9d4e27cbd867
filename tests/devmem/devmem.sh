#!/bin/bash
# Devmem TCP receive on loopnic, end to end, over IPv4 and IPv6.
# test-timeout: 600
#
# Layout as zcrx/devmem uses a NIC: lnb0 with 2 channels, RSS over queue 0
# only (ethtool -X equal 1), tcp-data-split on, and ntuple rules sending
# TCP port 5201 to queue 1. tools/devmem_rx binds a udmabuf to queue 1
# (netdev bind-rx) and checks every received byte against the pstream
# pattern. What this proves:
#
#  - binding queue 1 while tcp-data-split is off is refused by the kernel
#    (the payload pool cannot take a provider without header split);
#  - bind-rx attaches the dma-buf to queue 1 (queue-get and page-pool-get
#    name it); a 32 MiB stream (8 on the debug kernel) to port 5201 lands
#    wholly in the dma-buf
#    (SO_DEVMEM_DMABUF frags, no byte copied), every byte verified, every
#    token returned with SO_DEVMEM_DONTNEED;
#  - a stream to another port (RSS, queue 0) reads as ordinary data while
#    queue 1 is bound: the other queues are unaffected;
#  - header split cannot be turned off while the provider is bound: the
#    ethtool core refuses with -EINVAL and says why (extack);
#  - 100 connections (25 on the debug kernel) received and closed
#    without returning their tokens
#    (the kernel reclaims them on close) leave the provider pool idle: its
#    in-flight count comes back to the ring's posted buffers plus what the
#    pool may cache, and after unbinding the pool drains to zero and goes
#    away, which a single leaked buffer would prevent;
#  - unbinding restarts queue 1 on ordinary pages: the provider pool goes
#    away and port 5201 then reads as ordinary data again;
#  - deleting the pair while the binding is held is clean: the pair goes
#    away and the holder can still close its binding and exit. Splats and
#    leaks are caught by the test runner.
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

DEVMEM_RX=$LN_BIN/tools/devmem_rx
PORT=5201		# steered to queue 1, the bound queue
OTHER_PORT=5202		# RSS, which spreads over queue 0 only
QUEUE=1
# case a, per family; ordinary streams beside and after a binding (both a
# quarter on the debug kernel, which is here for KASAN and lockdep)
BYTES=$((32 << 20))
SIDE_BYTES=$((4 << 20))
DMABUF_MB=16		# 4096 pages
SEED_CONNS=100
# 100 x 256 KiB are ~18000 MSS-sized frags: if closing a socket leaked
# its frags, the dma-buf would run dry after ~23 connections and the
# rest would stall
SEED_BYTES=$((256 << 10))
TEARDOWN_BYTES=$((4 << 20))

ktap_plan 17
ktap_scale BYTES $BYTES
ktap_scale SIDE_BYTES $SIDE_BYTES
ktap_scale TEARDOWN_BYTES $TEARDOWN_BYTES
ktap_scale SEED_CONNS $SEED_CONNS

rx=
tmp=$(mktemp -d)
cleanup() {
	exec 3>&-
	[ -n "$rx" ] && kill "$rx" 2>/dev/null
	rm -rf "$tmp"
	ln_cleanup
}
trap cleanup EXIT

# dm_pools: "ID INFLIGHT DETACHED DMABUF" per page pool of lnb0; DMABUF is
# the id of the dma-buf binding that feeds the pool, 0 for ordinary pools.
# The last reading stays in $pools, for show_pools.
dm_pools() {
	pools=$(nlq "$LN_NS_B" pools -F id,inflight,detach-time,dmabuf \
		"$LN_DEV_B") || return 1
	[ -z "$pools" ] ||
		pools=$(echo "$pools" | awk '{ print $1, $2, ($3 != 0), $4 }')
}

show_pools() {
	echo "$pools" | sed 's/^/# pool id inflight detached dmabuf: /'
}

# rx_bindings: "QUEUE DMABUF" per rx queue of lnb0 (queue-get), DMABUF 0
# for a queue without a binding
rx_bindings() {
	nlq "$LN_NS_B" queues -t rx -F id,dmabuf "$LN_DEV_B" | sort -n
}

# provider_inflight ID: in-flight count of the live pool fed by binding ID
provider_inflight() {
	dm_pools || return 1
	echo "$pools" | awk -v id="$1" '$4 == id && $3 == 0 { print $2; f = 1 }
		END { exit !f }'
}

# no_provider_pool: no pool of lnb0 is fed by a binding or waits for pages
no_provider_pool() {
	ln_flush_defer
	dm_pools || return 1
	! echo "$pools" | awk '$4 != 0 || $3 == 1 { f = 1 } END { exit !f }'
}

# rx_delta BEFORE AFTER Q: packets rx queue Q received in between, from
# two ln_rx_packets readings
rx_delta() {
	local b a

	b=$(echo "$1" | awk -v q=$(($3 + 1)) '{ print $q }')
	a=$(echo "$2" | awk -v q=$(($3 + 1)) '{ print $q }')
	echo $((a - b))
}

# field NAME LINE: the value of NAME=VALUE in LINE
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# running PID: the process exists and has not exited (kill -0 would
# also succeed on a zombie)
running() {
	local s

	s=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	[ -n "$s" ] && [ "$s" != Z ]
}

dm_bound() { [ -s "$ready" ] || ! running "$rx"; }
dm_exited() { ! running "$rx"; }

# dm_start OUT [devmem_rx options...]: devmem_rx in netns lnb, bound to
# queue 1 of lnb0 and listening on $PORT, report in OUT; its stdin is a
# fifo held open on fd 3 (dm_stop closes it, which releases -w). Sets rx
# and dmabuf_id; fails if the binding does not come up.
dm_start() {
	local out=$1 fifo=$tmp/fifo

	shift
	ready=$out.ready
	mkfifo "$fifo" || return 1
	# The real program in the background, so that $! is its pid
	ip netns exec "$LN_NS_B" "$DEVMEM_RX" -i "$LN_DEV_B" -q $QUEUE \
		-p $PORT -s $DMABUF_MB -r "$ready" "$@" < "$fifo" > "$out" 2>&1 &
	rx=$!
	# Opening the write end lets devmem_rx's stdin open complete
	exec 3> "$fifo"
	rm -f "$fifo"
	ln_wait 30 dm_bound
	if [ ! -s "$ready" ]; then
		dm_stop
		sed 's/^/# devmem_rx: /' "$out"
		return 1
	fi
	dmabuf_id=$(cat "$ready")
	ktap_info "devmem_rx bound dmabuf $dmabuf_id to $LN_DEV_B queue $QUEUE"
}

# dm_done OUT: wait for devmem_rx's verdict line, true if it is ok
dm_done() {
	ln_wait 180 grep -q '^done:' "$1"
	grep -q '^done: ok' "$1"
}

# dm_stop: release devmem_rx (EOF on stdin): it closes its netlink socket,
# which unbinds, and exits. Its exit status goes to stop_rc.
dm_stop() {
	exec 3>&-
	if ! ln_wait 30 dm_exited; then
		ktap_info "devmem_rx did not exit"
		kill "$rx" 2>/dev/null
	fi
	wait "$rx"
	stop_rc=$?
	rx=
}

# send_to ADDR PORT BYTES: one pstream from netns lna
send_to() {
	local fam=

	case $1 in *:*) fam=-6 ;; esac
	in_a "$PSTREAM" send $fam -a "$1" -p "$2" -b "$3"
}

fail_rest() {
	local i

	for i in $(seq "$1"); do
		ktap_result 1 "$2"
	done
}

ln_setup || { ktap_info "cannot set up the pair"; exit 1; }
[ -x "$DEVMEM_RX" ] || { ktap_info "no $DEVMEM_RX"; exit 1; }
in_b ethtool -L "$LN_DEV_B" combined 2
in_b ethtool -X "$LN_DEV_B" equal 1
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $PORT action $QUEUE > /dev/null
in_b ethtool -N "$LN_DEV_B" flow-type tcp6 dst-port $PORT action $QUEUE > /dev/null

# Binding without header split: the payload pool cannot take the provider,
# and the kernel must say so (devmem_rx exits 3 and prints errno and extack)
ln_hds "$LN_NS_B" "$LN_DEV_B" off
out=$tmp/nohds
in_b "$DEVMEM_RX" -i "$LN_DEV_B" -q $QUEUE -p $PORT -s $DMABUF_MB -c 0 > "$out" 2>&1
rc=$?
sed 's/^/# devmem_rx: /' "$out"
[ $rc -eq 3 ] && rc=0 || rc=1
no_provider_pool || rc=1
[ "$(rx_bindings | tr '\n' ' ')" = "0 0 1 0 " ] || rc=1
ktap_result $rc "bind-rx to queue $QUEUE with tcp-data-split off is refused"

ln_hds "$LN_NS_B" "$LN_DEV_B" on

# a, b and d for one address family
family_cases() {
	local fam=$1 addr=$2 v6='' out rc before after d line err bindings

	[ "$fam" = 6 ] && v6=-6
	out=$tmp/ipv$fam
	if ! dm_start "$out" $v6 -c 1 -b $BYTES -w; then
		fail_rest 5 "IPv$fam: devmem_rx could not bind queue $QUEUE"
		[ "$fam" = 4 ] && ktap_result 1 "tcp-data-split stays on while bound"
		return
	fi

	# The binding is visible where a user would look for it
	bindings=$(rx_bindings | tr '\n' ' ')
	ktap_info "rx queue, dmabuf: $bindings"
	rc=0
	[ "$bindings" = "0 0 $QUEUE $dmabuf_id " ] || rc=1
	provider_inflight "$dmabuf_id" > /dev/null || rc=1
	show_pools
	ktap_result $rc "IPv$fam: queue-get and page-pool-get show dmabuf $dmabuf_id on queue $QUEUE only"

	# a: a stream steered to the bound queue lands in the dma-buf
	send_to "$addr" $PORT $BYTES
	dm_done "$out"
	rc=$?
	line=$(grep '^conn 0:' "$out")
	ktap_info "devmem_rx: $line"
	[ "$(field devmem "$line")" = $BYTES ] || rc=1
	[ "$(field linear "$line")" = 0 ] || rc=1
	[ "$(field tokens "$line")" = "$(field frags "$line")" ] || rc=1
	ktap_result $rc "IPv$fam: $((BYTES >> 20)) MiB to port $PORT all in the dmabuf, verified, tokens returned"

	# b: RSS traffic to queue 0 is ordinary readable data meanwhile
	# (pstream recv reads with plain recv(), which fails on devmem skbs)
	before=$(ln_rx_packets "$LN_NS_B" "$LN_DEV_B")
	LN_PORT=$OTHER_PORT ln_stream "$LN_NS_B" "$LN_NS_A" "$addr" $SIDE_BYTES
	rc=$?
	after=$(ln_rx_packets "$LN_NS_B" "$LN_DEV_B")
	d=$(rx_delta "$before" "$after" 0)
	ktap_info "queue 0 received $d packets"
	[ "$d" -ge $((SIDE_BYTES / 1500)) ] || rc=1
	ktap_result $rc "IPv$fam: port $OTHER_PORT (RSS, queue 0) reads normally while queue $QUEUE is bound"

	if [ "$fam" = 4 ]; then
		if ln_hds_try "$LN_NS_B" "$LN_DEV_B" off; then
			ktap_info "tcp-data-split off while bound went through"
			ln_hds "$LN_NS_B" "$LN_DEV_B" on
			rc=1
		else
			ktap_info "tcp-data-split off while bound: error $ln_errno, extack \"$ln_extack\""
			[ "$ln_errno" = -22 ] && [ "$ln_extack" = "$LN_HDS_BUSY" ]
			rc=$?
		fi
		[ "$(ln_hds_state "$LN_NS_B" "$LN_DEV_B")" = on ] || rc=1
		ktap_result $rc "tcp-data-split cannot be turned off while queue $QUEUE is bound: -EINVAL, \"$LN_HDS_BUSY\""
	fi

	# d: unbinding restarts queue 1 on ordinary pages
	dm_stop
	grep -v '^conn ' "$out" | sed 's/^/# devmem_rx: /'
	ln_wait 60 no_provider_pool
	rc=$?
	show_pools
	[ $stop_rc -eq 0 ] || rc=1
	[ "$(rx_bindings | tr '\n' ' ')" = "0 0 1 0 " ] || rc=1
	ktap_result $rc "IPv$fam: unbinding restarts queue $QUEUE, the provider pool goes away"

	before=$(ln_rx_packets "$LN_NS_B" "$LN_DEV_B")
	LN_PORT=$PORT ln_stream "$LN_NS_B" "$LN_NS_A" "$addr" $SIDE_BYTES
	rc=$?
	after=$(ln_rx_packets "$LN_NS_B" "$LN_DEV_B")
	d=$(rx_delta "$before" "$after" $QUEUE)
	ktap_info "queue $QUEUE received $d packets"
	[ "$d" -ge $((SIDE_BYTES / 1500)) ] || rc=1
	ktap_result $rc "IPv$fam: after unbinding, port $PORT (queue $QUEUE) reads normally"
}

family_cases 4 "$LN_ADDR4_B"
family_cases 6 "$LN_ADDR6_B"

# c: connect, receive, close without SO_DEVMEM_DONTNEED, 100 times on one
# binding
under_bound() { ln_flush_defer; now=$(provider_inflight "$dmabuf_id") && [ "$now" -le "$bound" ]; }

seed_cases() {
	local out=$tmp/seed rc idle ring bound now n i sent=0

	if ! dm_start "$out" -c $SEED_CONNS -b $SEED_BYTES -n -w; then
		fail_rest 3 "devmem_rx could not bind queue $QUEUE"
		return
	fi
	# Right after binding the pool holds just the buffers posted to the ring
	idle=$(provider_inflight "$dmabuf_id")
	ring=$(in_b ethtool -g "$LN_DEV_B" |
		awk '/^Current/ { c = 1 } c && /^RX:/ { print $2; exit }')
	for i in $(seq $SEED_CONNS); do
		send_to "$LN_ADDR4_B" $PORT $SEED_BYTES || break
		sent=$i
	done
	dm_done "$out"
	rc=$?
	n=$(grep '^conn ' "$out" | grep -c ' bad=0 ')
	ktap_info "$sent connections sent, $n received with no bad byte"
	grep '^conn ' "$out" | tail -n 2 | sed 's/^/# devmem_rx: /'
	[ "$sent" = $SEED_CONNS ] || rc=1
	ktap_result $rc "$SEED_CONNS connections received and closed without SO_DEVMEM_DONTNEED"

	# Idle again: the posted ring, plus at most what the pool itself can
	# cache (its recycle ring, one entry per ring slot, and the 128-entry
	# alloc cache). Leaked buffers would stay counted in flight.
	bound=$((idle + ring + 128))
	ln_wait 30 under_bound
	rc=$?
	[ -n "$idle" ] && [ -n "$ring" ] || rc=1
	ktap_info "provider pool in flight: $idle after binding, $now now (idle bound $bound)"
	ktap_result $rc "queue $QUEUE provider pool returns to idle once the sockets are closed"

	# Exact: the destroyed pool goes away only once every buffer is home
	dm_stop
	grep -v '^conn ' "$out" | sed 's/^/# devmem_rx: /'
	ln_wait 60 no_provider_pool
	rc=$?
	show_pools
	[ $stop_rc -eq 0 ] || rc=1
	ktap_result $rc "after unbinding the provider pool drains to zero and goes away"
}

seed_cases

# e: the pair goes away while the binding is held
pair_gone() { [ ! -e "/sys/bus/loopnic/devices/loopnic$LN_ID" ]; }

teardown_cases() {
	local out=$tmp/teardown rc

	if ! dm_start "$out" -c 1 -b $TEARDOWN_BYTES -w; then
		fail_rest 2 "devmem_rx could not bind queue $QUEUE"
		return
	fi
	send_to "$LN_ADDR4_B" $PORT $TEARDOWN_BYTES
	dm_done "$out" || ktap_info "the stream before del_pair failed"

	rc=0
	echo "$LN_ID" > /sys/bus/loopnic/del_pair || rc=1
	ln_wait 10 pair_gone || rc=1
	in_b ip link show "$LN_DEV_B" > /dev/null 2>&1 && rc=1
	in_a ip link show "$LN_DEV_A" > /dev/null 2>&1 && rc=1
	ktap_result $rc "del_pair while queue $QUEUE is bound removes the pair"

	# Unbinding now finds no device to restart
	dm_stop
	sed 's/^/# devmem_rx: /' "$out"
	ktap_result $([ $stop_rc -eq 0 ]; echo $?) \
		"the binding's holder unbinds and exits cleanly after the pair is gone"
}

teardown_cases
ktap_finish
