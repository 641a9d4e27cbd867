# Helpers for loopnic tests: a pair split across two network namespaces,
# configured with the commands a user of a physical NIC would use (ip,
# ethtool), and tests/tools/nlq for the netdev and ethtool netlink requests
# Debian's ethtool 6.1 cannot make (tcp-data-split, page-pool-get,
# queue-get, qstats-get); it makes them as the kernel tree's YNL CLI would,
# without the seconds a python start costs on a slow guest.
#
# Addresses are documentation prefixes (RFC 5737, RFC 3849): the pair
# lives inside the test VM only.

LN_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LN_BIN=$LN_TOP/build/tests
PSTREAM=$LN_BIN/tools/pstream
NLQ=$LN_BIN/tools/nlq

LN_NS_A=lna
LN_NS_B=lnb
LN_DEV_A=lna0
LN_DEV_B=lnb0
LN_ADDR4_A=192.0.2.1
LN_ADDR4_B=192.0.2.2
LN_ADDR6_A=2001:db8::1
LN_ADDR6_B=2001:db8::2
LN_ID=1
LN_PORT=5001
# The ethtool core's extack when tcp-data-split is turned off while a
# memory provider is bound (with -EINVAL)
LN_HDS_BUSY="can't disable tcp-data-split while device has memory provider enabled"

# nlq NS ARGS...: tests/tools/nlq in network namespace NS (its usage is
# at the top of tests/tools/nlq.c)
nlq() {
	local ns=$1

	shift
	ip netns exec "$ns" "$NLQ" "$@"
}

in_a() { ip netns exec "$LN_NS_A" "$@"; }
in_b() { ip netns exec "$LN_NS_B" "$@"; }

# Create pair $LN_ID, A in netns lna and B in netns lnb, both up with
# IPv4 and IPv6 addresses.
ln_setup() {
	ip netns add "$LN_NS_A" || return 1
	ip netns add "$LN_NS_B" || return 1
	echo "$LN_ID $LN_DEV_A $LN_DEV_B" > /sys/bus/loopnic/new_pair || return 1
	ip link set "$LN_DEV_A" netns "$LN_NS_A" || return 1
	ip link set "$LN_DEV_B" netns "$LN_NS_B" || return 1
	in_a ip addr add "$LN_ADDR4_A/24" dev "$LN_DEV_A"
	in_b ip addr add "$LN_ADDR4_B/24" dev "$LN_DEV_B"
	# nodad: the addresses are usable at once, no wait for DAD
	in_a ip -6 addr add "$LN_ADDR6_A/64" dev "$LN_DEV_A" nodad
	in_b ip -6 addr add "$LN_ADDR6_B/64" dev "$LN_DEV_B" nodad
	in_a ip link set lo up
	in_b ip link set lo up
	in_a ip link set "$LN_DEV_A" up
	in_b ip link set "$LN_DEV_B" up
}

ln_cleanup() {
	local ns

	# A namespace lives on while a process runs in it
	for ns in "$LN_NS_A" "$LN_NS_B"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	# Deleting a netns deletes its loopnic end, and so the pair
	echo "$LN_ID" > /sys/bus/loopnic/del_pair 2>/dev/null
	return 0
}

# ln_hds NS DEV on|off: tcp-data-split, through ethtool netlink; says
# why on stderr when the kernel refuses
ln_hds() {
	local rc

	ln_hds_try "$@" && return 0
	rc=$?
	echo "# tcp-data-split $3 on $2 refused: error ${ln_errno:-$rc}${ln_extack:+, $ln_extack}" >&2
	return $rc
}

# ln_hds_try NS DEV on|off: ln_hds, telling why it was refused. Returns
# nlq's status (the errno); sets ln_errno (the netlink error, e.g. -22) and
# ln_extack (the extack message), both empty when the change went through.
ln_hds_try() {
	local out rc

	out=$(nlq "$1" rings-set "$2" tcp-data-split "$3" 2>&1)
	rc=$?
	ln_errno=$(echo "$out" | sed -n 's/^error=//p')
	ln_extack=$(echo "$out" | sed -n 's/^extack=//p')
	return $rc
}

# ln_hds_state NS DEV: tcp-data-split as ethtool -g shows it (on, off,
# n/a); Debian's ethtool 6.1 shows it, it only cannot set it
ln_hds_state() {
	ip netns exec "$1" ethtool -g "$2" |
		awk -F '\t' '/^TCP data split:/ { print $2 }'
}

# ln_stat NS DEV NAME: one counter from ethtool -S
ln_stat() {
	ip netns exec "$1" ethtool -S "$2" |
		awk -v n="$3:" '$1 == n { print $2; found = 1 } END { if (!found) print -1 }'
}

# ln_stream NS_RECV NS_SEND ADDR BYTES [pstream recv options...]
# Pattern-checked streams from NS_SEND to ADDR:$LN_PORT in NS_RECV (as
# many as recv's -c says); prints the receiver's report, returns its
# verdict. With LN_SPORT set, connection N leaves from port LN_SPORT + N.
ln_stream() {
	local nsr=$1 nss=$2 addr=$3 bytes=$4 fam=
	local out rc

	shift 4
	case $addr in *:*) fam=-6 ;; esac
	out=$(mktemp)
	ip netns exec "$nsr" "$PSTREAM" recv $fam -p "$LN_PORT" -b "$bytes" -t 240 "$@" \
		> "$out" 2>&1 &
	local recv=$!
	ip netns exec "$nss" "$PSTREAM" send $fam -a "$addr" -p "$LN_PORT" -b "$bytes" \
		-c "$(ln_conns "$@")" ${LN_SPORT:+-s "$LN_SPORT"} ||
		kill "$recv" 2>/dev/null
	wait "$recv"
	rc=$?
	sed 's/^/# /' "$out"
	rm -f "$out"
	return $rc
}

# The -c value among pstream recv options, 1 when absent
ln_conns() {
	local n=1

	while [ $# -gt 0 ]; do
		[ "$1" = -c ] && n=$2
		shift
	done
	echo "$n"
}

# ln_queue_stats NS DEV: "QUEUE RX_PACKETS" lines from the netdev
# queue-stats API (qstats-get, per queue scope)
ln_queue_stats() {
	nlq "$1" qstats -t rx -F queue-id,rx-packets "$2"
}

# ln_rx_packets NS DEV: per-queue rx packet counters from ethtool -S, in
# queue order, on one line
ln_rx_packets() {
	ip netns exec "$1" ethtool -S "$2" |
		awk '$1 ~ /^rx[0-9]+_packets:$/ { printf "%s ", $2 } END { print "" }'
}

# ln_restart_knob DEV_NS DEV: debugfs file that restarts an rx queue of DEV
ln_restart_knob() {
	local port

	port=$(ip netns exec "$1" cat "/sys/class/net/$2/dev_port")
	echo "/sys/kernel/debug/loopnic/$LN_ID/port$port/restart_queue"
}

# ln_buf_len_knob DEV_NS DEV: debugfs file that says whether DEV sizes its
# rx buffers as a memory provider asks (1) or acts as a driver that cannot (0)
ln_buf_len_knob() {
	local port

	port=$(ip netns exec "$1" cat "/sys/class/net/$2/dev_port")
	echo "/sys/kernel/debug/loopnic/$LN_ID/port$port/rx_buf_len_cap"
}

# ln_pools NS DEV: one line per page pool of DEV, "ID INFLIGHT DETACHED",
# DETACHED 1 for pools the driver destroyed that still wait for pages.
# DEV lo has the pools of devices unregistered in NS (page-pool-get
# gives them no ifindex). False, printing nothing, if the dump failed.
ln_pools() {
	local out

	out=$(nlq "$1" pools -F id,inflight,detach-time "$2") || return 1
	[ -z "$out" ] || echo "$out" | awk '{ print $1, $2, ($3 != 0) }'
}

# ln_no_io_uring NS: queue-get shows no queue in NS with an io_uring memory
# provider (an io-uring nest); false too if the dump failed
ln_no_io_uring() {
	local out

	out=$(nlq "$1" queues -F io-uring) || return 1
	! echo "$out" | grep -qx 1
}

# ln_zc_queue QUEUE PORT: what a zero-copy receiver on B's QUEUE needs:
# QUEUE + 1 queues with RSS on queue 0 only, TCP/IPv4 PORT steered to
# QUEUE, header split on
ln_zc_queue() {
	in_b ethtool -L "$LN_DEV_B" combined $(($1 + 1)) || return 1
	in_b ethtool -X "$LN_DEV_B" equal 1 || return 1
	in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port "$2" \
		action "$1" > /dev/null || return 1
	ln_hds "$LN_NS_B" "$LN_DEV_B" on
}

# ln_wait TIMEOUT CMD...: poll CMD until it succeeds or TIMEOUT seconds pass
ln_wait() {
	local end=$((SECONDS + $1))

	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# ln_flush_defer: make every CPU run its network rx softirq once.
# Sockets free received skbs on the CPU that allocated them
# (skb_attempt_defer_free()): until that CPU runs NET_RX again, they and the
# page pool buffers in them wait on its defer list. On a busy host that is
# microseconds; in an idle test guest it can be forever, so tests that wait
# for a pool to drain push a loopback packet through each CPU
# (tests/tools/netrx_kick, in the namespace the test runs in).
ln_flush_defer() {
	"$LN_BIN/tools/netrx_kick"
	return 0
}
