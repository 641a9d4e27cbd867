# Memory cgroups for what a zcrx instance costs the kernel: the arrays an
# instance allocates per buffer are charged to the registering task's
# cgroup (GFP_KERNEL_ACCOUNT), as mainline charges them. Sourced by
# tests/zcrx/memcg.sh and bench/memory.sh, after loopnic.sh.

MEMCG_ROOT=/sys/fs/cgroup

# memcg_ready: cgroup v2 mounted with the memory controller enabled for
# its children; false, saying why, if the kernel has no memory cgroups
memcg_ready() {
	if ! grep -q "^[^ ]* $MEMCG_ROOT cgroup2 " /proc/mounts; then
		mount -t cgroup2 none "$MEMCG_ROOT" ||
			{ echo "cannot mount cgroup2 at $MEMCG_ROOT"; return 1; }
	fi
	grep -qw memory "$MEMCG_ROOT/cgroup.controllers" ||
		{ echo "no memory controller (CONFIG_MEMCG)"; return 1; }
	echo +memory > "$MEMCG_ROOT/cgroup.subtree_control"
}

# memcg_kernel CG: "SLAB VMALLOC OTHER" bytes of kernel memory charged to
# cgroup CG (a path): OTHER is the rest of "kernel" without page tables,
# kernel stacks and per-CPU memory, which are the processes', not what
# they registered
memcg_kernel() {
	awk '{ v[$1] = $2 } END {
		other = v["kernel"] - v["slab"] - v["vmalloc"]
		other -= v["pagetables"] + v["kernel_stack"] + v["percpu"]
		print v["slab"], v["vmalloc"], other
	}' "$1/memory.stat"
}

# memcg_run CG CMD...: CMD in the background in a new cgroup CG, which it
# joins before it allocates anything; sets $memcg_pid
memcg_run() {
	local cg=$1

	shift
	mkdir "$cg" || return 1
	bash -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' _ "$cg" "$@" &
	memcg_pid=$!
}
