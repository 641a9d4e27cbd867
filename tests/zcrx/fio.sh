#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 900
#
# The fio engine (fio/zcrx.c, build/fio/zcrx.so) in the fio Debian ships:
# a job with rw=read and verify=crc32c receives through zero-copy receive
# on the steered queue of a loopnic pair (lib/zcrx.sh) what fio's own net
# engine sends with rw=write and the same verify settings, and fio checks
# every block. 64 MiB per address family (4 on the debug kernel):
#  - IPv4 and IPv6: fio passes, every byte came zero-copy (the engine's
#    zc_bytes/copy_bytes line, from the kernel's zcrx statistics), and the
#    provider is gone once fio exits;
#  - verify really reads what arrived: a stream of the same verified
#    blocks (written to a file by fio, sent by a plain socket) passes, and
#    the same stream with one byte flipped fails fio's verify;
#  - a job the engine cannot run (rw=write) is refused at init, and an
#    option value it cannot take (queue=one) when fio parses the job.
source "$(dirname "$0")/../lib/zcrx.sh"

ENGINE=$LN_TOP/build/fio/zcrx.so
BS=128k

ktap_plan 5
zc_setup
[ -f "$ENGINE" ] || { ktap_info "no $ENGINE (make userspace)"; exit 1; }
command -v fio > /dev/null || { ktap_info "no fio (make deps)"; exit 1; }
ZCRX_DEBUG_SCALE=16 ktap_scale bytes $((64 << 20))
mib() { echo $(($1 >> 20)); }

listening() {
	in_b ss -Hltn "sport = :$ZC_PORT" | grep -q .
}

# fio_rx NAME PROTO: the engine's receiving job in B, in the background;
# sets $rx_pid and returns once it listens
fio_rx() {
	local name=$1 proto=$2

	in_b fio --name="$name" --ioengine=external:"$ENGINE" --rw=read \
		--bs=$BS --size="$bytes" --verify=crc32c \
		--port=$ZC_PORT --protocol="$proto" --interface="$LN_DEV_B" \
		--queue=$ZC_QUEUE --area_size=32m \
		> "$zc_tmp/$name" 2>&1 &
	rx_pid=$!
	ln_wait 60 listening
}

# fio_rx_end NAME: fio's exit status; its output as diagnostics, and
# $counters "ZC COPY" from the engine's summary line
fio_rx_end() {
	local rc

	zc_reap "$rx_pid" 300
	rc=$?
	sed 's/^/# fio: /' "$zc_tmp/$1"
	counters=$(sed -n 's/^zcrx: .* zc_bytes=\([0-9]*\) copy_bytes=\([0-9]*\).*/\1 \2/p' \
		"$zc_tmp/$1")
	return $rc
}

# net_case NAME PROTO ADDR: fio's net engine in A sends to the engine in B
net_case() {
	local name=$1 proto=$2 addr=$3 rc

	fio_rx "$name" "$proto" || ktap_info "$name: fio never listened"
	in_a fio --name="$name-tx" --ioengine=net --rw=write --bs=$BS \
		--size="$bytes" --verify=crc32c --do_verify=0 \
		--hostname="$addr" --port=$ZC_PORT --protocol="$proto" \
		> "$zc_tmp/$name-tx" 2>&1
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/# fio net sender: /' "$zc_tmp/$name-tx"
	fio_rx_end "$name" || rc=1
	grep -q 'err= 0' "$zc_tmp/$name" || rc=1
	[ "$counters" = "$bytes 0" ] || rc=1
	zc_check_gone || rc=1
	return $rc
}

net_case v4 tcp "$LN_ADDR4_B"
ktap_result $? "IPv4: fio net sends $(mib "$bytes") MiB, the zcrx engine receives and verifies (crc32c), all zero-copy ($counters)"

net_case v6 tcpv6 "$LN_ADDR6_B"
ktap_result $? "IPv6: fio net sends $(mib "$bytes") MiB, the zcrx engine receives and verifies (crc32c), all zero-copy ($counters)"

# The same kind of stream from a file: fio writes verified blocks, a
# socket sends them as they are, once intact and once with one byte
# flipped in the payload of the sixth block.
small=$((4 << 20))
fio --name=mk --ioengine=psync --filename="$zc_tmp/stream" --rw=write \
	--bs=$BS --size=$small --verify=crc32c --do_verify=0 > "$zc_tmp/mk" 2>&1 ||
	sed 's/^/# fio: /' "$zc_tmp/mk"
cp "$zc_tmp/stream" "$zc_tmp/bad"
flip=$((5 * (128 << 10) + 1000))
printf '\xa5' | dd of="$zc_tmp/bad" bs=1 seek=$flip conv=notrunc status=none
cmp -s "$zc_tmp/stream" "$zc_tmp/bad" && ktap_info "the byte did not change"

# file_case NAME FILE: FILE sent over IPv4 to the engine; fio's status
file_case() {
	# fio_rx reads $bytes: the job is as long as the file
	local name=$1 file=$2 rc bytes=$small

	fio_rx "$name" tcp || ktap_info "$name: fio never listened"
	in_a python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])))
with open(sys.argv[3], "rb") as f:
    s.sendall(f.read())
s.close()' "$LN_ADDR4_B" $ZC_PORT "$file" 2>&1 | sed 's/^/# sender: /'
	fio_rx_end "$name"
	rc=$?
	zc_check_gone || rc=125
	return $rc
}

file_case intact "$zc_tmp/stream"
rc=$?
file_case flipped "$zc_tmp/bad"
bad_rc=$?
# fio names the block it found bad: the one the flipped byte is in
grep -q "crc32c: verify failed at file .* offset $((5 * (128 << 10))), " \
	"$zc_tmp/flipped" || bad_rc=0
[ $rc -eq 0 ] && [ $bad_rc -ne 0 ] && [ $bad_rc -ne 124 ] && [ $bad_rc -ne 125 ]
ktap_result $? "verify reads what arrived: a 4 MiB stream of verified blocks passes (status $rc), the same with byte $flip flipped fails in block 5 (status $bad_rc)"

# Only receiving: fio refuses the job before it takes the queue.
out=$(in_b fio --name=w --ioengine=external:"$ENGINE" --rw=write --size=1m \
	--port=$ZC_PORT --interface="$LN_DEV_B" --queue=$ZC_QUEUE 2>&1)
rc=$?
echo "$out" | sed 's/^/# fio: /'
[ $rc -ne 0 ] && echo "$out" | grep -q 'zcrx: receive only: use rw=read'
ktap_result $? "rw=write is refused: the engine only receives (status $rc)"

# A bad option value never gets as far as the engine.
out=$(in_b fio --name=q --ioengine=external:"$ENGINE" --rw=read --size=1m \
	--port=$ZC_PORT --interface="$LN_DEV_B" --queue=one 2>&1)
rc=$?
echo "$out" | sed 's/^/# fio: /'
[ $rc -ne 0 ] && echo "$out" | grep -q "zcrx: queue wants an rx queue number, not 'one'"
ktap_result $? "queue=one is refused when fio parses the job (status $rc)"
ktap_finish
