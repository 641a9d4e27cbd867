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

# The zcrx structs as a correct header would define them: the kernel's
# <linux/io_uring/zcrx.h>, guard included.
structs() {
	cat <<'END'
#include <linux/types.h>
#define LINUX_IO_URING_ZCRX_H
#define IORING_ZCRX_AREA_SHIFT 48
#define IORING_ZCRX_AREA_MASK (~(((__u64)1 << IORING_ZCRX_AREA_SHIFT) - 1))
enum io_uring_zcrx_area_flags { IORING_ZCRX_AREA_DMABUF = 1 };
enum zcrx_reg_flags { ZCRX_REG_IMPORT = 1, ZCRX_REG_NODEV = 2 };
enum zcrx_features { ZCRX_FEATURE_RX_PAGE_SIZE = 1, ZCRX_FEATURE_EVENT = 2 };
enum zcrx_event_type { ZCRX_EVENT_ALLOC_FAIL = 0, ZCRX_EVENT_COPY = 1 };
#define ZCRX_EVENT_DESC_FLAG_STATS (1U << 0)
struct zcrx_event_desc { __u64 user_data; __u32 type_mask; __u32 flags;
	__u64 stats_offset; __u64 __resv2[9]; };
struct zcrx_stats { __u64 copy_count; __u64 copy_bytes; };
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
enum zcrx_ctrl_op { ZCRX_CTRL_FLUSH_RQ = 0, ZCRX_CTRL_EXPORT = 1,
	ZCRX_CTRL_ARM_EVENT = 2, ZCRX_CTRL_ADD_AREA = 3 };
struct zcrx_ctrl_flush_rq { __u64 __resv[6]; };
struct zcrx_ctrl_export { __u32 zcrx_fd; __u32 __resv1[11]; };
struct zcrx_ctrl_arm_event { __u32 event_type; __u32 __resv[11]; };
struct zcrx_ctrl_add_area { __u64 area_ptr; __u64 __resv[5]; };
struct zcrx_ctrl { __u32 zcrx_id; __u32 op; __u64 __resv[2];
	union { struct zcrx_ctrl_export zc_export;
		struct zcrx_ctrl_flush_rq zc_flush;
		struct zcrx_ctrl_arm_event zc_arm_event;
		struct zcrx_ctrl_add_area zc_area; }; };
END
}

# The kernel's <linux/io_uring/query.h>.
query() {
	cat <<'END'
#include <linux/types.h>
#define LINUX_IO_URING_QUERY_H
struct io_uring_query_hdr { __u64 next_entry; __u64 query_data;
	__u32 query_op; __u32 size; __s32 result; __u32 __resv[3]; };
enum { IO_URING_QUERY_OPCODES = 0, IO_URING_QUERY_ZCRX = 1,
	IO_URING_QUERY_SCQ = 2, IO_URING_QUERY_ZCRX_EVENT = 3 };
struct io_uring_query_opcode { __u32 nr_request_opcodes;
	__u32 nr_register_opcodes; __u64 feature_flags; __u64 ring_setup_flags;
	__u64 enter_flags; __u64 sqe_flags; __u32 nr_query_opcodes; __u32 __pad; };
struct io_uring_query_zcrx { __u64 register_flags; __u64 area_flags;
	__u32 nr_ctrl_opcodes; __u32 features; __u32 rq_hdr_size;
	__u32 rq_hdr_alignment; __u64 __resv2; };
struct io_uring_query_zcrx_event { __u32 event_flags; __u32 stats_size;
	__u32 stats_off_alignment; __u32 __resv; __u64 __resv2[4]; };
struct io_uring_query_scq { __u64 hdr_size; __u64 hdr_alignment; };
END
}

# The kernel's <linux/io_uring/zcrx.h> in short: its guard, one struct.
kernel_zcrx_h() {
	cat <<'END'
#ifndef LINUX_IO_URING_ZCRX_H
#define LINUX_IO_URING_ZCRX_H
struct io_uring_zcrx_rqe { __u64 off; __u32 len; __u32 __pad; };
#endif
#ifndef LINUX_IO_URING_QUERY_H
#define LINUX_IO_URING_QUERY_H
struct io_uring_query_hdr { __u64 next_entry; };
#endif
END
}

# What a kernel io_uring.h with zcrx adds, after liburing's io_uring.h has
# taken the include guard (so the header believes they are the kernel's).
kernel_first() {
	echo '#include <liburing.h>'
	structs
	query
	cat <<'END'
enum { IORING_OP_RECV_ZC = 58 };
enum { IORING_REGISTER_ZCRX_IFQ = 32, IORING_REGISTER_QUERY = 35,
	IORING_REGISTER_ZCRX_CTRL = 36 };
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
	$cc -fsyntax-only -Wall -I"$inc" $CPPFLAGS "$src" > "$log" 2>&1
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
	$cc -fsyntax-only -Wall -I"$inc" $CPPFLAGS "$src" > "$log" 2>&1
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

# The fixtures stand in for headers of a liburing without zcrx.
if grep -qs 'define LIBURING_ZCRX_LIB_ZCRX *1' "$O/include/liburing/zcrx-config.h"; then
	ktap_plan 1
	ktap_skip "this liburing has zcrx structs of its own" \
		"static asserts against wrong headers"
	ktap_finish
	exit 4
fi

ktap_plan 16

: > "$src"
builds "the header alone builds"
structs > "$src"
builds "correct zcrx structs from another header build"
{ structs; query; } > "$src"
builds "correct zcrx and query structs from other headers build"
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
kernel_first | sed 's/IORING_REGISTER_ZCRX_CTRL = 36/IORING_REGISTER_ZCRX_CTRL = 37/' > "$src"
refused 'IORING_REGISTER_ZCRX_CTRL == 36' \
	"a wrong IORING_REGISTER_ZCRX_CTRL from a kernel header is caught"
structs | sed 's/__u64 event_desc; __u64 __resv\[2\];/__u64 __resv[3];/' > "$src"
refused "event_desc" \
	"a kernel's io_uring_zcrx_ifq_reg without event_desc (__resv[3]) is caught"
structs | sed 's/enum zcrx_reg_flags {/enum {/' > "$src"
refused "zcrx_reg_flags" \
	"registration flags without the enum tag zcrx_reg_flags are caught"
structs | sed 's/__u32 event_type; __u32 __resv\[11\];/__u32 event_type; __u32 __resv[12];/' > "$src"
refused 'sizeof(struct zcrx_ctrl) == 72' \
	"a zcrx_ctrl argument larger than 48 bytes is caught"
structs | sed 's/__u32 type_mask; __u32 flags;/__u64 type_mask; __u32 flags;/' > "$src"
refused 'zcrx_event_desc, flags) == (12)' \
	"a wrong zcrx_event_desc layout is caught"
{ structs; query | sed 's/__s32 result;/__s64 result;/'; } > "$src"
refused 'sizeof(struct io_uring_query_hdr) == 40' \
	"a wrong io_uring_query_hdr is caught"
{ structs; query | sed 's/IO_URING_QUERY_ZCRX_EVENT = 3/IO_URING_QUERY_ZCRX_EVENT = 4/'; } > "$src"
refused 'IO_URING_QUERY_ZCRX_EVENT == 3' \
	"a wrong IO_URING_QUERY_ZCRX_EVENT is caught"
kernel_zcrx_h > "$src"
builds_after "the kernel's zcrx.h and query.h after the compat copy add nothing (same guards)"
ktap_finish
