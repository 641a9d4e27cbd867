#!/bin/bash
# Install the Debian packages the build, the VM and the tests need.
# Idempotent: when everything is present it only reads the dpkg database.
# `apt-get update` runs only when something is missing.
#
# Usage: scripts/deps.sh KERNEL_PKG KERNEL_PKG_VERSION FIO_PKG_VERSION
set -euo pipefail

kpkg=${1:?kernel source package name}
kver=${2:?kernel source package version}
# fio at exactly the version whose source the fio engine is built against
fver=${3:?fio package version}

# Build the kernel and the userspace programs.
build_pkgs="gcc make libc6-dev bc bison flex libelf-dev libssl-dev perl
	python3 git rsync xz-utils ccache pkg-config liburing-dev libmnl-dev
	dpkg-dev"
# Boot it; the guest uses the host's root file system, so the tools the
# tests call inside the guest are installed on the host. python3-yaml is
# for the kernel tree's YNL CLI, which Documentation/loopnic.md shows (the
# tests use tests/tools/nlq, on libmnl).
vm_pkgs="qemu-system-x86 iproute2 ethtool procps util-linux
	python3-yaml"
# make bench: perf for the receive-CPU profiles (a software event, so any
# perf reads our kernel), gnuplot for the plots.
bench_pkgs="linux-perf gnuplot-nox"

missing=()
for p in $build_pkgs $vm_pkgs $bench_pkgs; do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	[[ $status == ii* ]] || missing+=("$p")
done

for pv in "$kpkg=$kver" "fio=$fver"; do
	have=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "${pv%%=*}" 2>/dev/null || true)
	[[ $have == "ii  ${pv#*=}" ]] || missing+=("$pv")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run 'make deps' as root to install them" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
apt-get update -qq
for pv in "$kpkg=$kver=KERNEL_PKG_VERSION" "fio=$fver=FIO_PKG_VERSION"; do
	IFS== read -r p v var <<< "$pv"
	if ! apt-cache madison "$p" | awk '{print $3}' | grep -qxF -- "$v"; then
		echo "deps: apt cannot provide $p version $v" >&2
		echo "deps: set $var in the Makefile to one of:" >&2
		apt-cache madison "$p" | awk '{print "deps:   " $3}' >&2
		exit 1
	fi
done
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends --allow-downgrades "${missing[@]}"
