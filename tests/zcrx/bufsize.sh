#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 600
#
# Large rx buffers (zcrx ABI §4, §6): an instance asks the device for
# buffers of rx_buf_len bytes, which must each lie in one physically
# contiguous run of the area. loopnic takes sizes up to 4 MiB and packs
# frames back to back into such a buffer, as NICs with multi-packet
# buffers do, so one buffer holds several completions: each is a
# reference of its own, and each completion's offset is the buffer's
# (index << log2(rx_buf_len)) plus where the frame landed in it.
#  - tests/tools/zcrx_mem bufsize holds registration to the rules
#    (-EINVAL, -ERANGE, -EOPNOTSUPP past loopnic's largest, without the
#    device's capability and for NODEV, what is written back); a subtest.
#  - 16 KiB, 64 KiB and 2 MiB buffers on a 32 MiB huge-page area, at MTU
#    1500 and 9000, IPv4 and IPv6: a small stream each (2 x 2 MiB, a
#    quarter on the debug kernel), verified, all zero-copy, every
#    completion inside one buffer, frames sharing buffers; zcrx_rx returns
#    each buffer with refill entries naming the buffer's start.
#  - one big run: 4 x 32 MiB (a quarter on the debug kernel) at 64 KiB
#    buffers and MTU 9000, refill entries naming random offsets inside
#    the buffers (the kernel takes the buffer the offset falls in).
# Every run ends with the provider gone.
source "$(dirname "$0")/../lib/zcrx.sh"

ZCRX_MEM=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_mem
# the 32 MiB area, and enough for zcrx_mem to find 4 physically
# consecutive huge pages among
HUGE_PAGES=40
AREA=32M
SIZES="16384 65536 2097152"
MTUS="1500 9000"
CONNS=2

ktap_plan $((1 + 2 * 3 * 2 + 1))
zc_setup
zc_hugepages $HUGE_PAGES || ktap_info "the huge-page cases cannot pass"
knob=$(ln_buf_len_knob "$LN_NS_B" "$LN_DEV_B")

# ip netns exec mounts a sysfs of the namespace over /sys, which hides
# debugfs: zcrx_mem gets the knob as an fd opened out here
echo "    # Subtest: zcrx_mem bufsize"
in_b "$ZCRX_MEM" bufsize -i "$LN_DEV_B" -q $ZC_QUEUE -k /proc/self/fd/3 \
	3<> "$knob" 2>&1 | sed 's/^/    /'
rc=${PIPESTATUS[0]}
# whatever happened there, the device sizes its buffers again
echo 1 > "$knob"
zc_check_gone || rc=1
ktap_result $rc "zcrx_mem bufsize, provider gone"

# human BYTES: 16 KiB, 2 MiB
human() {
	if [ $(($1 % (1 << 20))) = 0 ]; then
		echo "$(($1 >> 20)) MiB"
	else
		echo "$(($1 >> 10)) KiB"
	fi
}

set_mtu() {
	in_a ip link set "$LN_DEV_A" mtu "$1"
	in_b ip link set "$LN_DEV_B" mtu "$1"
}

# buffers_ok NAME SIZE: zcrx_rx NAME used buffers of SIZE, every
# completion inside one of them, and frames shared buffers
buffers_ok() {
	local shared

	shared=$(zc_field "$1" buffers shared)
	ktap_info "$1: $(grep '^buffers:' "$zc_tmp/$1")"
	[ "$(zc_field "$1" buffers rx_buf_len)" = "$2" ] &&
		[ "$(zc_field "$1" buffers bad_offsets)" = 0 ] &&
		[ "${shared:-0}" -gt 0 ]
}

ktap_scale bytes $((2 << 20))
for mtu in $MTUS; do
	set_mtu $mtu
	for size in $SIZES; do
		for fam in 4 6; do
			name=mtu${mtu}_${size}_ipv$fam
			addr=$LN_ADDR4_B
			[ $fam = 6 ] && addr=$LN_ADDR6_B
			zc_run $name "$LN_NS_A" "$addr" $ZC_PORT $CONNS $bytes \
				-m huge -A $AREA -R $size -u start
			rc=$?
			[ "$counters" = "$((CONNS * bytes)) 0" ] || rc=1
			buffers_ok $name $size || rc=1
			ktap_result $rc "MTU $mtu, $(human $size) buffers, IPv$fam: $CONNS x $(human $bytes) verified, all zero-copy, each completion in one buffer, frames sharing buffers, returned by buffer start ($counters)"
		done
	done
done

ktap_scale big $((32 << 20))
set_mtu 9000
zc_run big "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 4 $big \
	-m huge -A $AREA -R 64K -u any
rc=$?
[ "$counters" = "$((4 * big)) 0" ] || rc=1
buffers_ok big 65536 || rc=1
ktap_result $rc "the big run: MTU 9000, 64 KiB buffers, IPv4, 4 x $(human $big) verified, all zero-copy, refill entries at random offsets inside the buffers ($counters)"
ktap_finish
