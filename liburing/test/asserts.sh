#!/bin/sh
# SPDX-License-Identifier: MIT
# The static asserts of <liburing/zcrx.h> at work: headers that define the
# zcrx interface with a wrong number or layout make it fail to build, with
# the assert naming what is wrong. Each case compiles a small file with $CC.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/ktap.sh"
cc=${CC:-cc}
export LC_ALL=C
inc=$here/../include
log=$(mktemp)

# The zcrx structs as a correct header would define them.
structs() {
	cat <<'END'
#include <linux/types.h>
#define IORING_ZCRX_AREA_SHIFT 48
#define IORING_ZCRX_AREA_MASK (~(((__u64)1 << IORING_ZCRX_AREA_SHIFT) - 1))
enum io_uring_zcrx_area_flags { IORING_ZCRX_AREA_DMABUF = 1 };
enum zcrx_reg_flags { ZCRX_REG_IMPORT = 1, ZCRX_REG_NODEV = 2 };
struct io_uring_zcrx_rqe { __u64 off; __u32 len; __u32 __pad; };
struct io_uring_zcrx_cqe { __u64 off; __u64 __pad; };
struct io_uring_zcrx_offsets { __u32 head; __u32 tail; __u32 rqes;
	__u32 __resv2; __u64 __resv[2]; };
struct io_uring_zcrx_area_reg { __u64 addr; __u64 len; __u64 rq_area_token;
	__u32 flags; __u32 dmabuf_fd; __u64 __resv2[2]; };
struct io_uring_zcrx_ifq_reg { __u32 if_idx; __u32 if_rxq; __u32 rq_entries;
	__u32 flags; __u64 area_ptr; __u64 region_ptr;
	struct io_uring_zcrx_offsets offsets; __u32 zcrx_id; __u32 rx_buf_len;
	__u64 event_desc; __u64 __resv[2]; };
END
}

# The kernel's <linux/io_uring/zcrx.h> in short: its guard, one struct.
kernel_zcrx_h() {
	cat <<'END'
#ifndef LINUX_IO_URING_ZCRX_H
#define LINUX_IO_URING_ZCRX_H
struct io_uring_zcrx_rqe { __u64 off; __u32 len; __u32 __pad; };
#endif
END
}

# What a kernel io_uring.h with zcrx adds, after liburing's io_uring.h has
# taken the include guard (so the header believes they are the kernel's).
kernel_first() {
	echo '#include <liburing.h>'
	structs
	cat <<'END'
enum { IORING_OP_RECV_ZC = 58 };
enum { IORING_REGISTER_ZCRX_IFQ = 32 };
enum { IORING_MEM_REGION_TYPE_USER = 1 };
struct io_uring_region_desc { __u64 user_addr; __u64 size; __u32 flags;
	__u32 id; __u64 mmap_offset; __u64 __resv[4]; };
END
}

src=$(mktemp --suffix=.c)
trap 'rm -f "$log" "$src"' EXIT

# The fixture in $src, then our header.
build() {
	echo '#include <liburing/zcrx.h>' >> "$src"
	$cc -fsyntax-only -Wall -I"$inc" "$src" > "$log" 2>&1
}

# builds DESCRIPTION: the fixture must compile.
builds() {
	build
	ktap_result $? "$1"
	sed -n '1,5s/^/# /p' "$log"
}

# builds_after DESCRIPTION: our header, then the fixture, must compile.
builds_after() {
	{ echo '#include <liburing/zcrx.h>'; cat "$src"; } > "$src.new"
	mv "$src.new" "$src"
	$cc -fsyntax-only -Wall -I"$inc" "$src" > "$log" 2>&1
	ktap_result $? "$1"
	sed -n '1,5s/^/# /p' "$log"
}

# refused PATTERN DESCRIPTION: it must not, with an error naming PATTERN.
refused() {
	if build; then
		ktap_result 1 "$2"
		ktap_info "it built"
		return
	fi
	grep 'error:' "$log" | grep -qF "$1"
	ktap_result $? "$2"
	grep 'error:' "$log" | grep -qF "$1" || sed -n '1,5s/^/# /p' "$log"
}

ktap_plan 10

: > "$src"
builds "the header alone builds"
structs > "$src"
builds "correct structs from another header build"
kernel_first > "$src"
refused "no member named 'zcrx_ifq_idx'" \
	"a kernel header without sqe->zcrx_ifq_idx is caught"
structs | sed 's/__u32 len; __u32 __pad;/__u64 len; __u32 __pad;/' > "$src"
refused 'sizeof(struct io_uring_zcrx_rqe) == 16' \
	"a wrong io_uring_zcrx_rqe size is caught"
structs | sed 's/__u32 zcrx_id; __u32 rx_buf_len;/__u32 rx_buf_len; __u32 zcrx_id;/' > "$src"
refused 'io_uring_zcrx_ifq_reg, zcrx_id) == (64)' \
	"a wrong io_uring_zcrx_ifq_reg field offset is caught"
structs | sed 's/IORING_ZCRX_AREA_SHIFT 48/IORING_ZCRX_AREA_SHIFT 47/' > "$src"
refused 'IORING_ZCRX_AREA_SHIFT == 48' \
	"a wrong area shift is caught"
kernel_first | sed 's/IORING_OP_RECV_ZC = 58/IORING_OP_RECV_ZC = 57/' > "$src"
refused 'IORING_OP_RECV_ZC == 58' \
	"a wrong IORING_OP_RECV_ZC from a kernel header is caught"
structs | sed 's/__u64 event_desc; __u64 __resv\[2\];/__u64 __resv[3];/' > "$src"
refused "event_desc" \
	"the revision 1 io_uring_zcrx_ifq_reg (__resv[3], no event_desc) is caught"
structs | sed 's/enum zcrx_reg_flags {/enum {/' > "$src"
refused "zcrx_reg_flags" \
	"registration flags without the enum tag zcrx_reg_flags are caught"
kernel_zcrx_h > "$src"
builds_after "the kernel's zcrx.h after the compat copy adds nothing (same guard)"
ktap_finish
