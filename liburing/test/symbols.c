/* SPDX-License-Identifier: MIT */
/*
 * The shared library exports every public function under the version
 * LIBURING_ZCRX_1.0 and nothing of its own beyond them.
 */
#include <dlfcn.h>

#include "ktap.h"

static const char *const public_functions[] = {
	"io_uring_register_ifq",
	"io_uring_zcrx_rq_init",
	"io_uring_zcrx_rq_map",
	"io_uring_zcrx_rq_unmap",
	"io_uring_zcrx_rq_region_size",
	"io_uring_zcrx_area_size",
	"io_uring_zcrx_rq_entries",
};

/* Helpers inside the library that must stay inside. */
static const char *const internal[] = {
	"rq_check", "page_size", "align_up", "roundup_pow2",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
	void *lib;

	ktap_plan(N(public_functions) + 1);
	lib = dlopen(SHLIB, RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		ktap_bail("dlopen %s: %s", SHLIB, dlerror());

	for (unsigned i = 0; i < N(public_functions); i++)
		ktap_result(dlvsym(lib, public_functions[i], "LIBURING_ZCRX_1.0"),
			    "%s@LIBURING_ZCRX_1.0 is exported", public_functions[i]);

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
