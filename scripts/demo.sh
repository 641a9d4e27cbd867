#!/bin/sh
# make run, inside the VM: show the kernel we booted and which of the
# features the zcrx stack builds on it has, then run the zcrx demo.

has_config() {
	zcat /proc/config.gz | grep -qx "$1=y"
}

feature() {
	if has_config "$2"; then state=yes; else state=no; fi
	printf '  %-34s %s\n' "$1" "$state"
}

echo "kernel:   $(uname -r) ($(uname -v))"
echo "cpus:     $(nproc), memory: $(awk '/MemTotal/ {print $2 / 1024 " MiB"}' /proc/meminfo)"
echo "features:"
feature "io_uring" CONFIG_IO_URING
feature "io_uring zero-copy receive" CONFIG_IO_URING_ZCRX
feature "page_pool with stats" CONFIG_PAGE_POOL_STATS
feature "devmem TCP (net_iov memory provider)" CONFIG_NET_DEVMEM
feature "dma-buf: udmabuf" CONFIG_UDMABUF
feature "loopnic software NIC pair" CONFIG_LOOPNIC
feature "network namespaces" CONFIG_NET_NS
feature "IPv6" CONFIG_IPV6
feature "KUnit" CONFIG_KUNIT
feature "KASAN (debug kernel)" CONFIG_KASAN
feature "kmemleak (debug kernel)" CONFIG_DEBUG_KMEMLEAK
feature "lockdep (debug kernel)" CONFIG_PROVE_LOCKING

echo "KUnit suites run at boot:"
for d in /sys/kernel/debug/kunit/*/; do
	[ -d "$d" ] || continue
	suite=$(basename "$d")
	verdict=$(awk '/^ok [0-9]+ / {v = "passed"} /^not ok [0-9]+ / {v = "FAILED"}
		END {print v}' "$d/results")
	printf '  %-34s %s\n' "$suite" "${verdict:-no result}"
done

exec "$(dirname "$0")/demo-zcrx.sh"
