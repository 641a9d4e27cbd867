# io_uring zero-copy receive (zcrx) for Linux 6.12 LTS.
#
# The flow, one target each:
#   deps -> tree -> kernels -> userspace -> vm / check / run
#
#   make              prepare the tree, build both kernels and the tests
#   make check        build everything, boot each kernel, run all tests
#   make run          build, boot the release kernel, show what it has
#   make vm [KERNEL=debug] [CMD='...']   shell or one command in the VM
#   make bench        benchmarks in the release VM [BENCH=NAME: one]
#   make stress       teardown races and starvation, 50 rounds, both kernels
#   make fuzz         the API fuzzer on the debug kernel [DURATION=s SEED=n]
#   make export-patches                  tree commits -> kernel/patches/
#   make series                          the series for a 6.12 tree
#   make series-check                    bisect build + checkpatch (slow)

KERNEL_PKG         := linux-source-6.12
KERNEL_PKG_VERSION := 6.12.117-1~deb12u1
KERNEL_TARBALL     := /usr/src/linux-source-6.12.tar.xz
# The fio Debian 12 ships: make deps installs exactly this version, and the
# fio engine (fio/) is built against its source, fetched with apt-get source.
FIO_PKG_VERSION    := 3.33-3

BUILD   := build
TREE    := $(BUILD)/linux
KERNELS := release debug
KERNEL  ?= release
JOBS    ?= $(shell nproc)
VM_TIMEOUT ?= 600

CONFIGS_release := kernel/configs/release.config
CONFIGS_debug   := $(CONFIGS_release) kernel/configs/debug.config

kbuild_dir = $(abspath $(BUILD)/kbuild-$(1))
bzimage = $(call kbuild_dir,$(1))/arch/x86/boot/bzImage

# ccache through its masquerade directory, so the compiler command kbuild
# records is plain gcc with or without ccache and switching never forces a
# rebuild. A fixed user/host keeps init/version.o cacheable;
# CCACHE_BASEDIR lets a clone at another path reuse the cache.
KMAKE_ARGS := -j$(JOBS) KBUILD_BUILD_USER=zcrx KBUILD_BUILD_HOST=zcrx
KMAKE_ENV  := PATH=/usr/lib/ccache:$$PATH CCACHE_BASEDIR=$(CURDIR)

.PHONY: all deps tree headers kernels $(KERNELS:%=kernel-%) userspace vm run check bench \
	stress fuzz \
	checkpatch export-patches series series-check reset-tree clean distclean

all: kernels userspace

deps:
	@scripts/deps.sh $(KERNEL_PKG) $(KERNEL_PKG_VERSION) $(FIO_PKG_VERSION)

tree: deps
	@scripts/prepare-tree.sh $(TREE) $(KERNEL_TARBALL) $(KERNEL_PKG_VERSION)

kernels: $(KERNELS:%=kernel-%)

# Both kernels use all cores; building them one after the other is faster
# than sharing the cores between two builds.
# Two makes run at once (a test loop beside a rebuild) must not build into
# one directory together: the lock makes the second wait for the first.
kernel-debug: kernel-release
$(KERNELS:%=kernel-%): kernel-%: tree
	@mkdir -p $(BUILD)
	+@flock $(BUILD)/.kbuild.lock sh -c ' \
		scripts/kconfig.sh $(TREE) $(call kbuild_dir,$*) $(CONFIGS_$*) && \
		$(KMAKE_ENV) $(MAKE) -s -C $(TREE) O=$(call kbuild_dir,$*) \
			$(KMAKE_ARGS) bzImage headers'
	@echo "kernel: $(call bzimage,$*)"

# The uapi headers the userspace builds against, without building a kernel.
headers: tree
	@mkdir -p $(BUILD)
	+@flock $(BUILD)/.kbuild.lock sh -c ' \
		scripts/kconfig.sh $(TREE) $(call kbuild_dir,release) $(CONFIGS_release) && \
		$(KMAKE_ENV) $(MAKE) -s -C $(TREE) O=$(call kbuild_dir,release) \
			$(KMAKE_ARGS) headers'

# liburing-zcrx first: the tests link its static library.
userspace: headers
	+@$(MAKE) -s -C liburing O=$(abspath $(BUILD)/liburing) static
	+@$(MAKE) -s -C tests O=$(abspath $(BUILD)/tests) \
		KHDR=$(call kbuild_dir,release)/usr/include \
		KSFT=$(abspath $(TREE))/tools/testing/selftests \
		ZCRX_LIB=$(abspath $(BUILD)/liburing)/liburing-zcrx.a
	+@$(MAKE) -s -C tools O=$(abspath $(BUILD)/tools) \
		KHDR=$(call kbuild_dir,release)/usr/include \
		ZCRX_LIB=$(abspath $(BUILD)/liburing)/liburing-zcrx.a
	+@$(MAKE) -s -C examples O=$(abspath $(BUILD)/examples) \
		KHDR=$(call kbuild_dir,release)/usr/include \
		ZCRX_LIB=$(abspath $(BUILD)/liburing)/liburing-zcrx.a
	+@$(MAKE) -s -C fio O=$(abspath $(BUILD)/fio) \
		FIO_PKG_VERSION=$(FIO_PKG_VERSION) \
		KHDR=$(call kbuild_dir,release)/usr/include \
		ZCRX_LIB=$(abspath $(BUILD)/liburing)/liburing-zcrx.a

vm: kernel-$(KERNEL) userspace
	@scripts/vm.sh -k $(call bzimage,$(KERNEL)) -n $(KERNEL) \
		-t $(VM_TIMEOUT) $(if $(CMD),-c '$(CMD)')

# The demo, then the same receive with 4 KiB and with 64 KiB buffers.
run: kernel-release userspace
	@scripts/vm.sh -k $(call bzimage,release) -n run -t $(VM_TIMEOUT) \
		-c 'scripts/demo.sh && examples/demo-bufsize.sh'

# Benchmarks run in the release guest; every bench/*.sh prints its numbers.
# The guest writes tables and plots to its shared directory; they end up in
# build/bench/. BENCH=NAME runs bench/NAME.sh alone. Its CPUs poll when
# idle: under TCG a halted vCPU wakes only when the host schedules its
# thread, and the tick that falls in that wait is booked as the softirq
# that follows, so every interrupt would cost the receiving CPU the host's
# wake-up latency (Documentation/benchmarks.md).
BENCH ?= *
bench: kernel-release userspace
	@rm -rf $(BUILD)/vm/bench/io/bench
	@VM_APPEND=idle=poll scripts/vm.sh -k $(call bzimage,release) -n bench -t 3600 \
		-c 'for b in bench/$(BENCH).sh; do echo "== $$b"; $$b || exit 1; done'; \
	rc=$$?; mkdir -p $(BUILD)/bench; \
	cp -r $(BUILD)/vm/bench/io/bench/. $(BUILD)/bench/ 2>/dev/null; \
	echo "bench: results in $(BUILD)/bench/"; exit $$rc

# Outside make check, which runs each of these a few times: every teardown
# race of tests/zcrx/races.sh and both starvation cases, STRESS_ROUNDS
# times each on both kernels; and a soak of the API fuzzer on the debug
# kernel for DURATION seconds (SEED repeats a run). Judged like make check.
STRESS_ROUNDS ?= 50
stress: kernels userspace
	@scripts/soak.sh stress \
		'RACE_ROUNDS=$(STRESS_ROUNDS) STARVE_ROUNDS=$(STRESS_ROUNDS)' \
		$$(($(STRESS_ROUNDS) * 90)) tests/zcrx/races.sh,tests/zcrx/starve.sh \
		$(foreach k,$(KERNELS),$(k)=$(call bzimage,$(k)))

DURATION ?= 600
SEED ?=
fuzz: kernel-debug userspace
	@scripts/soak.sh fuzz \
		'FUZZ_DURATION=$(DURATION) $(if $(SEED),FUZZ_SEED=$(SEED))' \
		$$(($(DURATION) + 600)) tests/zcrx/fuzz.sh debug=$(call bzimage,debug)

# check.sh builds (tree, each kernel, userspace) and tests, timing each
# phase for the table it prints before the closing line. make -n runs any
# recipe line that names $(MAKE) (and any line marked +); make -n check
# must print this one, not run the tests, hence check_make.
# make check BZIMAGE=... runs the suite on a kernel built elsewhere (a 6.12
# tree with the series applied, see Documentation/backport.md) instead of
# ours; only the uapi headers the tests compile against come from here.
BZIMAGE ?=
check_make = $(MAKE)
check:
	@scripts/check.sh -b '$(check_make)' $(if $(BZIMAGE),-u) $(TREE) \
		$(if $(BZIMAGE),user=$(abspath $(BZIMAGE)), \
		$(foreach k,$(KERNELS),$(k)=$(call bzimage,$(k))))

checkpatch: tree
	@scripts/checkpatch.sh $(TREE) $(BUILD)/checkpatch.tsv

export-patches:
	@scripts/export-patches.sh $(TREE)

# The series as a user applies it: cover letter, patches, quilt series.
series: tree
	@scripts/series.sh write $(TREE) $(BUILD)/series $(KERNEL_PKG_VERSION)

# Every patch builds on its own and passes checkpatch; the series applies
# to the other 6.12 versions Debian serves and builds on the oldest. Slow.
series-check: tree
	@flock $(BUILD)/.kbuild.lock scripts/series-check.sh $(TREE) \
		$(KERNEL_PKG) $(KERNEL_PKG_VERSION); rc=$$?; \
	scripts/series.sh write $(TREE) $(BUILD)/series $(KERNEL_PKG_VERSION); \
	exit $$rc

# Drop commits and edits in the tree that were not exported; the next
# `make` re-applies kernel/patches/.
reset-tree:
	git -C $(TREE) reset -q --hard pristine
	rm -f $(TREE)/.git/zcrx/series

clean:
	rm -rf $(BUILD)/kbuild-* $(BUILD)/tests $(BUILD)/liburing $(BUILD)/vm \
		$(BUILD)/check $(BUILD)/examples $(BUILD)/tools \
		$(BUILD)/fio/zcrx.so

distclean:
	rm -rf $(BUILD)
