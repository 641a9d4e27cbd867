#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# zcrx-nic on loopnic: the check of a queue that is not set up reports
# each failure with its fix; --configure makes it ready (more channels,
# tcp-data-split on, RSS without the queue, rules for the port ahead of
# a foreign rule that steers it elsewhere) and zcrx-sink then receives
# there with zero copy; --undo restores exactly what ethtool showed
# before, foreign rules included. Also: the ntuple flag turned on and
# back off (but not over a rule added since), a setting changed after
# --configure is left alone by --undo, and so is a rule with part of the
# port as mask put at our rule's location since,
# a --configure that fails halfway undoes its own changes, and --probe
# on a driver without queue management ops (veth).
source "$(dirname "$0")/../lib/ktap.sh"
source "$(dirname "$0")/../lib/loopnic.sh"

NIC=$LN_TOP/build/tools/zcrx-nic
SINK=$LN_TOP/build/tools/zcrx-sink
SEND=$LN_TOP/build/tools/zcrx-send
PORT=9000
Q=2
tmp=$(mktemp -d)
state=$tmp/state

cleanup() {
	rm -rf "$tmp"
	ln_cleanup
}
trap cleanup EXIT

ktap_plan 15
ln_setup || { ktap_info "cannot set up the pair"; exit 1; }
[ -x "$NIC" ] || { ktap_info "no $NIC"; exit 1; }

# snapshot: every setting zcrx-nic may touch, as ethtool shows it
snapshot() {
	in_b ethtool -l "$LN_DEV_B"
	in_b ethtool -g "$LN_DEV_B"
	in_b ethtool -x "$LN_DEV_B"
	in_b ethtool -n "$LN_DEV_B"
	in_b ethtool -k "$LN_DEV_B" | grep ntuple
}

# nic OUT ARGS...: zcrx-nic in B's namespace, output to OUT; its status
nic() {
	local out=$1

	shift
	in_b "$NIC" "$@" > "$out" 2>&1
	local rc=$?
	sed 's/^/# /' "$out"
	return $rc
}

# same BEFORE AFTER: two snapshots agree, else their diff
same() {
	[ "$1" = "$2" ] && return 0
	echo "$1" > "$tmp/before"
	echo "$2" > "$tmp/after"
	diff "$tmp/before" "$tmp/after" | sed 's/^/# /'
	return 1
}

# has OUT TEXT...: OUT contains every TEXT
has() {
	local out=$1 t

	shift
	for t in "$@"; do
		grep -qF -- "$t" "$out" || { ktap_info "missing: $t"; return 1; }
	done
}

# A foreign rule for another port, and one that sends tcp6 to our port
# elsewhere: --configure must go ahead of the second and keep both.
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port 7777 action 0 loc 20 > /dev/null
in_b ethtool -N "$LN_DEV_B" flow-type tcp6 dst-port $PORT action 0 loc 10 > /dev/null
before=$(snapshot)

rc=0
nic $tmp/out lnb0 $Q -p $PORT && rc=1
has $tmp/out "FAIL  queue $Q does not exist" "fix: ethtool -L lnb0 combined 3" \
	"FAIL  tcp-data-split is off" "fix: ethtool -G lnb0 tcp-data-split on" \
	"not ready for zero-copy receive" || rc=1
ktap_result $rc "check: a missing queue and header split off fail, with their fixes"

rc=0
nic $tmp/out lnb0 1 -p $PORT --probe && rc=1
has $tmp/out "FAIL  RSS spreads other flows over queue 1" "fix: ethtool -X lnb0 weight 1 0" \
	"FAIL  ntuple rule 10 steers tcp6 port $PORT to queue 0, not queue 1" \
	"no ntuple rule steers tcp4 port $PORT to queue 1" \
	"stopped at tcp-data-split (--probe)" || rc=1
ktap_result $rc "check: RSS over the queue, a missing and a conflicting rule fail; --probe finds queue ops"

rc=0
nic $tmp/out lnb0 $Q -p $PORT --configure --state "$state" || rc=1
has $tmp/out "set   channels: rx 0 -> 0, combined 2 -> 3" \
	"set   tcp-data-split: off -> on" \
	"set   RSS: queue $Q left out of the 128-entry indirection table (was the driver's default)" \
	"dst-port $PORT -> queue $Q" \
	"is ready for zero-copy receive on port $PORT" || rc=1
grep -q "^rule [0-9] tcp6 $PORT $Q$" "$state" || { ktap_info "no tcp6 rule ahead of rule 10"; rc=1; }
sed 's/^/# state: /' "$state" | cut -c1-120
ktap_result $rc "--configure: channels, header split, RSS, rules; ready"

rc=0
nic $tmp/out lnb0 $Q -p $PORT --probe || rc=1
has $tmp/out "queue $Q took a zcrx instance and gave it back" || rc=1
ktap_result $rc "check after --configure passes, --probe registers on the queue"

ktap_scale bytes $((16 << 20))
rc=0
in_b "$SINK" -i lnb0 -q $Q -p $PORT -n 1 -j -v -A 16M > $tmp/sink 2>&1 &
sink=$!
ln_wait 20 grep -q '"event":"listening"' $tmp/sink || rc=1
in_a "$SEND" -s -p $PORT -b $bytes "$LN_ADDR6_B" > /dev/null || rc=1
wait $sink || rc=1
grep '"event":"total"' $tmp/sink | sed 's/^/# /' | cut -c1-160
grep -q "\"bytes\":$bytes,\"zc_bytes\":$bytes,\"copy_bytes\":0," $tmp/sink || rc=1
grep -q '"verify":"ok"' $tmp/sink || rc=1
[ $rc -eq 0 ] || sed 's/^/# sink: /' $tmp/sink
ktap_result $rc "zcrx-sink on the configured queue: $((bytes >> 20)) MiB over tcp6, all zero-copy"

# The sink's instance goes with its ring's exit work; until then the
# queue count and header split cannot go back.
provider_gone() {
	! in_b "$NIC" lnb0 $Q 2>&1 | grep -q "is taken"
}
rc=0
ln_wait 30 provider_gone || ktap_info "the sink's instance still holds queue $Q"
nic $tmp/out --undo "$state" || rc=1
[ -e "$state" ] && { ktap_info "the state file is still there"; rc=1; }
after=$(snapshot)
same "$before" "$after" || rc=1
ktap_result $rc "--undo restores what ethtool showed before, foreign rules included"

# The ntuple flag: off, no rules; --configure turns it on for its rules.
in_b ethtool -K "$LN_DEV_B" ntuple off
before=$(snapshot)
rc=0
nic $tmp/out lnb0 1 -4 -p $PORT --configure --state "$state" || rc=1
has $tmp/out "set   ntuple filters: off -> on" "tcp4 dst-port $PORT -> queue 1" || rc=1
grep -q "tcp6" "$state" && { ktap_info "-4 added a tcp6 rule"; rc=1; }
nic $tmp/out --undo "$state" || rc=1
after=$(snapshot)
same "$before" "$after" || rc=1
ktap_result $rc "-4: ntuple filters turned on and back off, one tcp4 rule"

# Filters off would delete a rule somebody added after --configure.
rc=0
nic $tmp/out lnb0 1 -4 -p $PORT --configure --state "$state" || rc=1
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port 7000 action 0 loc 20 || rc=1
nic $tmp/out --undo "$state" && rc=1
has $tmp/out "ntuple filters: off -> on: rules were added since, left on" \
	"1 change left in" || rc=1
in_b ethtool -n "$LN_DEV_B" rule 20 > /dev/null || rc=1
grep -q "^ntuple " "$state" || rc=1
in_b ethtool -N "$LN_DEV_B" delete 20
in_b ethtool -K "$LN_DEV_B" ntuple off
rm -f "$state"
ktap_result $rc "--undo leaves the ntuple filters on over a rule added since"

# A record that was not undone is never overwritten.
in_b ethtool -K "$LN_DEV_B" ntuple on
nic $tmp/out lnb0 1 -p $PORT --configure --state "$state" > /dev/null
rc=0
nic $tmp/out lnb0 1 -p $PORT --configure --state "$state" && rc=1
has $tmp/out "exists: an earlier --configure recorded its changes there" || rc=1
nic $tmp/out --undo "$state" || rc=1
ktap_result $rc "a second --configure refuses to overwrite the first one's record"

# A setting changed after --configure stays as the user set it.
before=$(snapshot)
nic $tmp/out lnb0 1 -p $PORT --configure --state "$state" > /dev/null
in_b ethtool -X "$LN_DEV_B" equal 2
changed=$(in_b ethtool -x "$LN_DEV_B")
rc=0
nic $tmp/out --undo "$state" && rc=1
has $tmp/out "RSS: queue 1 left out" "changed since, left as it is" "1 change left in" || rc=1
[ "$(in_b ethtool -x "$LN_DEV_B")" = "$changed" ] || rc=1
grep -q "^rss " "$state" || rc=1
[ "$(grep -c '^rule\|^data-split' "$state")" = 0 ] || rc=1
ktap_result $rc "--undo leaves a setting changed since alone, and keeps it in the state file"

rc=0
in_b ethtool -X "$LN_DEV_B" default
rm -f "$state"
[ "$(snapshot)" = "$before" ] || rc=1
ktap_result $rc "back to the start for the next case"

# Our rule replaced by one with the same flow, port and queue but part
# of the port as mask: somebody else's, left alone.
before=$(snapshot)
rc=0
nic $tmp/out lnb0 1 -4 -p $PORT --configure --state "$state" || rc=1
loc=$(sed -n "s/^rule \([0-9]*\) tcp4 $PORT 1$/\1/p" "$state")
[ -n "$loc" ] || { ktap_info "no tcp4 rule in the state file"; rc=1; }
in_b ethtool -N "$LN_DEV_B" delete "${loc:-0}" || rc=1
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $PORT m 0xff action 1 \
	loc "${loc:-0}" > /dev/null || rc=1
in_b ethtool -n "$LN_DEV_B" rule "${loc:-0}" | sed 's/^/# /'
nic $tmp/out --undo "$state" && rc=1
has $tmp/out "dst-port $PORT -> queue 1: changed since, left as it is" \
	"1 change left in" || rc=1
in_b ethtool -n "$LN_DEV_B" rule "${loc:-0}" > /dev/null || rc=1
in_b ethtool -N "$LN_DEV_B" delete "${loc:-0}"
rm -f "$state"
[ "$(snapshot)" = "$before" ] || rc=1
ktap_result $rc "--undo leaves a rule with a partial port mask at its rule's location"

# A rule at location 0 leaves no room ahead of it: --configure fails
# after its first changes and takes them back.
in_b ethtool -N "$LN_DEV_B" flow-type tcp4 dst-port $PORT action 0 loc 0 > /dev/null
before=$(snapshot)
rc=0
nic $tmp/out lnb0 1 -p $PORT --configure --state "$state" && rc=1
has $tmp/out "no free location comes before it" "undo  tcp-data-split: off -> on" || rc=1
[ -e "$state" ] && { ktap_info "the state file is still there"; rc=1; }
after=$(snapshot)
same "$before" "$after" || rc=1
ktap_result $rc "a --configure that fails halfway undoes its own changes"

# A driver without queue management ops: veth.
in_b ip link add vzc0 type veth peer name vzc1
rc=0
nic $tmp/out vzc0 0 && rc=1
has $tmp/out "warn  driver veth: not known to restart single rx queues" || rc=1
nic $tmp/out vzc0 0 --probe && rc=1
has $tmp/out "FAIL  driver veth cannot restart a single rx queue" || rc=1
in_b ip link del vzc0
ktap_result $rc "veth: an unknown driver is a warning, --probe finds it has no queue ops"

rc=0
nic $tmp/out -4 -6 lnb0 1; [ $? -eq 2 ] || rc=1
nic $tmp/out -p 0 lnb0 1; [ $? -eq 2 ] || rc=1
nic $tmp/out --undo "$tmp/none"; [ $? -eq 1 ] || rc=1
ktap_result $rc "bad usage (-p 0 too) exits 2, a missing state file 1"
ktap_finish
