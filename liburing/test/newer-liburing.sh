#!/bin/sh
# SPDX-License-Identifier: MIT
# Builds a real newer liburing for test/coexist.sh: Debian's source
# package, fetched with apt through a private source list (the system's
# apt configuration is not touched), built and installed into
# O/newer/root-VERSION. Not part of make check: it needs the network.
#
#   test/newer-liburing.sh [O [SUITE]]
#
# O is liburing-zcrx's build directory (default ../build/liburing), SUITE
# the Debian suite whose liburing to take (default sid; trixie has 2.9).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "${1:-$here/../../build/liburing}" && cd "${1:-$here/../../build/liburing}" && pwd)/newer
suite=${2:-sid}
apt=$out/apt-$suite

mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$out/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
	> "$apt/sources.list"
aptopts="-o Dir::Etc::SourceList=$apt/sources.list -o Dir::Etc::SourceParts=/dev/null
	 -o Dir::State::Lists=$apt/lists -o Dir::Cache=$apt/cache
	 -o APT::Sandbox::User=root"

# shellcheck disable=SC2086
apt-get $aptopts -qq update
# shellcheck disable=SC2086
debversion=$(apt-cache $aptopts showsrc liburing |
	     sed -n 's/^Version: //p' | sort -V | tail -1)
[ -n "$debversion" ] || { echo "no liburing source in $suite" >&2; exit 1; }
version=${debversion%-*}
version=${version#*:}
echo "liburing $debversion from Debian $suite"

cd "$out/src"
# apt checks the .dsc's signature and every file's checksum.
# shellcheck disable=SC2086
apt-get $aptopts -qq source --download-only "liburing=$debversion"
rm -rf "liburing-$version"
tar xzf "liburing_$version.orig.tar.gz"
cd "liburing-$version"
./configure --prefix=/usr --libdir=/usr/lib --mandir=/usr/share/man \
	> ../configure-$version.log
make -s -j"$(nproc)" -C src > ../build-$version.log 2>&1
rm -rf "$out/root-$version"
make -s install DESTDIR="$out/root-$version" >> ../build-$version.log 2>&1
echo "installed into $out/root-$version"
