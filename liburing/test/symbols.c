/* SPDX-License-Identifier: MIT */
/*
 * The shared library exports every public function under its version,
 * LIBURING_ZCRX_1.0, 1.1 or 1.2, and nothing of its own beyond them; the
 * functions of mainline liburing only when the liburing underneath lacks
 * them (then liburing's are the ones a program gets).
 */
#include <dlfcn.h>

#include <liburing/zcrx.h>

#include "ktap.h"

static const struct {
	const char *name, *version;
	bool in_liburing;
} public_functions[] = {
	{ "io_uring_register_ifq", "LIBURING_ZCRX_1.0", LIBURING_ZCRX_LIB_FN_IFQ },
	{ "io_uring_zcrx_rq_init", "LIBURING_ZCRX_1.0", false },
	{ "io_uring_zcrx_rq_map", "LIBURING_ZCRX_1.0", false },
	{ "io_uring_zcrx_rq_unmap", "LIBURING_ZCRX_1.0", false },
	{ "io_uring_zcrx_rq_region_size", "LIBURING_ZCRX_1.0", false },
	{ "io_uring_zcrx_area_size", "LIBURING_ZCRX_1.0", false },
	{ "io_uring_zcrx_rq_entries", "LIBURING_ZCRX_1.0", false },
	{ "io_uring_register_zcrx_ctrl", "LIBURING_ZCRX_1.1", LIBURING_ZCRX_LIB_FN_CTRL },
	{ "io_uring_register_query", "LIBURING_ZCRX_1.1", LIBURING_ZCRX_LIB_FN_QUERY },
	{ "io_uring_zcrx_query", "LIBURING_ZCRX_1.1", false },
	{ "io_uring_zcrx_export", "LIBURING_ZCRX_1.1", false },
	{ "io_uring_zcrx_import", "LIBURING_ZCRX_1.1", false },
	{ "io_uring_zcrx_flush_rq", "LIBURING_ZCRX_1.1", false },
	{ "io_uring_zcrx_arm_event", "LIBURING_ZCRX_1.1", false },
	{ "io_uring_zcrx_stats_offset", "LIBURING_ZCRX_1.1", false },
	{ "io_uring_zcrx_add_area", "LIBURING_ZCRX_1.2", false },
	{ "io_uring_zcrx_area_alloc_size", "LIBURING_ZCRX_1.2", false },
	{ "io_uring_zcrx_area_alloc", "LIBURING_ZCRX_1.2", false },
	{ "io_uring_zcrx_area_free", "LIBURING_ZCRX_1.2", false },
	{ "io_uring_zcrx_area_reg_init", "LIBURING_ZCRX_1.2", false },
	{ "io_uring_zcrx_area_reg_dmabuf", "LIBURING_ZCRX_1.2", false },
	{ "io_uring_zcrx_udmabuf_create", "LIBURING_ZCRX_1.2", false },
};

/* Helpers inside the library that must stay inside. */
static const char *const internal[] = {
	"rq_check", "page_size", "align_up", "roundup_pow2", "rq_end",
	"zcrx_ctrl", "query_entry", "buf_bytes", "area_bufs", "wants_huge",
	"huge_errno", "udmabuf_memfd", "udmabuf_from", "udmabuf_map",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	void *lib;

	ktap_plan(N(public_functions) + 1);
	lib = dlopen(SHLIB, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		ktap_bail("dlopen %s: %s", SHLIB, dlerror());

	for (unsigned i = 0; i < N(public_functions); i++) {
		const char *name = public_functions[i].name;
		const char *version = public_functions[i].version;
		bool found = dlvsym(lib, name, version);

		if (public_functions[i].in_liburing)
			ktap_result(!found, "%s is liburing's, not exported", name);
		else
			ktap_result(found, "%s@%s is exported", name, version);
	}

	bool hidden = true;

	for (unsigned i = 0; i < N(internal); i++) {
		if (dlsym(lib, internal[i])) {
			ktap_info("%s is exported", internal[i]);
			hidden = false;
		}
	}
	ktap_result(hidden, "internal helpers are not exported");
	dlclose(lib);
	return ktap_finish();
}
