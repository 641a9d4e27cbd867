#!/bin/bash
# Fetch the source of the fio Debian ships, exactly FIO_PKG_VERSION, into
# DIR with apt's source mechanism, and configure it so its headers
# (config-host.h above all) describe the binary we load into.
#
# apt needs deb-src entries, which a Debian system often lacks. We never
# change the system's apt configuration: a private sources list, lists
# directory and cache under DIR/apt hold everything, and apt-get reads the
# system's keyrings only.
#
# Usage: fio/fetch-source.sh DIR FIO_PKG_VERSION
# Result: DIR/src (the unpacked, configured source), DIR/src/.zcrx-version
# (written last: a fetch or configure that failed is redone)
set -euo pipefail

dir=${1:?build directory}
ver=${2:?fio package version}
mkdir -p "$dir"
dir=$(realpath "$dir")
src=$dir/src
stamp=$src/.zcrx-version

if [[ -f $stamp && $(cat "$stamp") == "$ver" ]]; then
	exit 0
fi

die() {
	echo "fio-source: $*" >&2
	exit 1
}

command -v dpkg-source > /dev/null ||
	die "dpkg-source is missing (package dpkg-dev): make deps installs it"

# The Debian archives the system's apt sources already use, as deb-src
# entries (fio's source is in main, wherever its binary comes from).
apt=$dir/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/parts"
apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' \
	'Created-By: Packages' 'Origin: Debian' 2>/dev/null | sort -u |
	awk '{ print "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] " $1 " " $2 " " $3 }' \
	> "$apt/sources.list"
[[ -s $apt/sources.list ]] ||
	die "the system's apt sources name no Debian archive (or apt-get update never ran): nowhere to get fio's source from"
aptopts=(
	-o "Dir::Etc::SourceList=$apt/sources.list"
	-o "Dir::Etc::SourceParts=$apt/parts"
	-o "Dir::State::Lists=$apt/lists"
	-o "Dir::Cache=$apt/cache"
	-o "Dir::Cache::pkgcache="
	-o "Dir::Cache::srcpkgcache="
	-o "APT::Get::Only-Source=true"
)

echo "fio-source: fetching fio $ver source (private apt lists in $apt)"
if ! apt-get -qq "${aptopts[@]}" update > "$apt/update.log" 2>&1; then
	cat "$apt/update.log" >&2
	die "apt-get update with the private deb-src list failed (no network to Debian's mirrors?); see above"
fi
if ! apt-cache "${aptopts[@]}" showsrc fio 2>/dev/null |
	awk '/^Version:/ { print $2 }' | grep -qxF -- "$ver"; then
	echo "fio-source: Debian's archive has no fio source version $ver; it has:" >&2
	apt-cache "${aptopts[@]}" showsrc fio 2>/dev/null |
		awk '/^Version:/ { print "fio-source:   " $2 }' >&2
	die "set FIO_PKG_VERSION in the Makefile to the installed fio's version (dpkg-query -W fio)"
fi

rm -rf "$dir/dl" "$src"
mkdir -p "$dir/dl"
if ! (cd "$dir/dl" && apt-get -q "${aptopts[@]}" source "fio=$ver") \
	> "$dir/dl/source.log" 2>&1; then
	cat "$dir/dl/source.log" >&2
	die "apt-get source fio=$ver failed; see above"
fi
up=${ver%-*}
mv "$dir/dl/fio-$up" "$src" || die "no fio-$up in $dir/dl after apt-get source"

# config-host.h as Debian's build has it (debian/rules:
# --disable-native --prefix=/usr --enable-gfio --enable-libnbd). gfio and
# libnbd are programs and an engine of their own, and the libraries this
# machine lacks (libaio, rdma, numa) only add engines or a union member
# smaller than POSIX AIO's: the structs the engine reads are the same.
if ! (cd "$src" && ./configure --disable-native --prefix=/usr) \
	> "$dir/configure.log" 2>&1; then
	cat "$dir/configure.log" >&2
	die "fio's configure failed; see above"
fi
echo "$ver" > "$stamp.tmp"
mv "$stamp.tmp" "$stamp"
echo "fio-source: fio $ver in $src"
