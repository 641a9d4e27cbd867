#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# test-timeout: 600
#
# Areas added at runtime (zcrx ABI §8, ZCRX_CTRL_ADD_AREA):
#  - tests/tools/zcrx_mem areas holds ADD_AREA to its rules (1024 areas and
#    the 1025th, the token written back first, the kinds, the buffer
#    size, memlock) and checks that refill entries naming an area id past
#    the count are ignored, the buffers they would name staying held; a
#    subtest.
#  - areas added mid-stream are used: zcrx_rx -a holds every buffer until
#    area 0 ran dry, adds the areas, holds on until a completion came from
#    each of them (the kernel takes free buffers from the areas in id
#    order), then checks every held buffer again and returns it; the
#    stream arrives whole, verified and zero-copy. With 3 areas of 4 KiB
#    buffers, with 1023 (1024 in all, each a page), with 64 KiB buffers
#    on huge pages, and with dma-bufs.
# The sizes of the streams are a quarter on the debug kernel; each is
# more than the held buffers take.
source "$(dirname "$0")/../lib/zcrx.sh"

ZCRX_MEM=${ZCRX_TOOLS:-$LN_BIN/tools}/zcrx_mem
MiB=$((1 << 20))

ktap_plan 6
zc_setup
zc_hugepages 8 || ktap_info "the huge-page cases cannot pass"
dmabufs=$(zc_dmabufs)

echo "    # Subtest: zcrx_mem areas"
in_b "$ZCRX_MEM" areas -i "$LN_DEV_B" -q $ZC_QUEUE 2>&1 | sed 's/^/    /'
ktap_result "${PIPESTATUS[0]}" "zcrx_mem areas"
rc=0
zc_check_gone || rc=1
zc_dmabufs_back "$dmabufs" || rc=1
ktap_result $rc "ADD_AREA's rules left no provider, no page pool and no dma-buf behind"

# grown NAME AREAS: zcrx_rx NAME added AREAS - 1 areas once area 0 ran dry
# and saw a completion from each of the AREAS before it gave back what it
# held, none out of place
grown() {
	local rechecked

	ktap_info "$1: $(grep -e '^grow:' -e '^buffers:' "$zc_tmp/$1" | tr '\n' ' ')"
	rechecked=$(zc_field "$1" grow rechecked)
	[ "$(zc_field "$1" grow added)" = $(($2 - 1)) ] &&
		[ "$(zc_field "$1" grow seen)" = "$2/$2" ] &&
		[ "${rechecked:-0}" -gt 0 ] &&
		[ "$(zc_field "$1" buffers used)" = "$2" ] &&
		[ "$(zc_field "$1" buffers bad_offsets)" = 0 ]
}

ktap_scale bytes $((8 * MiB))
zc_run grow "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 2 $bytes \
	-A 256K -a 3 -z 1M
rc=$?
[ "$counters" = "$((2 * bytes)) 0" ] || rc=1
grown grow 4 || rc=1
ktap_result $rc "a 256 KiB area runs dry with its buffers held, 3 areas of 1 MiB added mid-stream and each used: 2 x $((bytes >> 20)) MiB verified, all zero-copy ($counters)"

# 1024 buffers of about 1400 bytes of stream each are held at once
ktap_scale bytes1024 $((12 * MiB))
zc_run grow1024 "$LN_NS_A" "$LN_ADDR6_B" $ZC_PORT 1 $bytes1024 \
	-A 4K -a 1023 -z 4K
rc=$?
[ "$counters" = "$bytes1024 0" ] || rc=1
grown grow1024 1024 || rc=1
ktap_result $rc "a one-page area runs dry, 1023 one-page areas added mid-stream, all 1024 used: $((bytes1024 >> 20)) MiB over IPv6 verified, all zero-copy ($counters)"

# 64 KiB buffers take about 45 frames each: a 2 MiB area holds 2 MiB of
# stream, and area 2 is used once area 1 is full too
ktap_scale big $((16 * MiB))
zc_run growhuge "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 2 $big \
	-m huge -R 64K -A 2M -a 2 -z 2M
rc=$?
[ "$counters" = "$((2 * big)) 0" ] || rc=1
grown growhuge 3 || rc=1
[ "$(zc_field growhuge buffers rx_buf_len)" = 65536 ] || rc=1
ktap_result $rc "64 KiB buffers on huge pages: area 0 runs dry, 2 areas added mid-stream and used: 2 x $((big >> 20)) MiB verified, all zero-copy ($counters)"

zc_run growdmabuf "$LN_NS_A" "$LN_ADDR4_B" $ZC_PORT 2 $bytes \
	-m udmabuf -A 256K -a 3 -z 1M
rc=$?
[ "$counters" = "$((2 * bytes)) 0" ] || rc=1
grown growdmabuf 4 || rc=1
zc_dmabufs_back "$dmabufs" || rc=1
ktap_result $rc "dma-buf areas: a 256 KiB one runs dry, 3 of 1 MiB added mid-stream and used: 2 x $((bytes >> 20)) MiB verified through the memfds, all zero-copy, dma-bufs gone ($counters)"
ktap_finish
