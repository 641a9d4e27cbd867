#!/bin/sh
# SPDX-License-Identifier: MIT
# liburing-zcrx beside each liburing there is, tried as its user would:
# the system's (Debian 12: 2.3), and every newer one test/newer-liburing.sh
# built into O/newer/root-VERSION. For each:
#
#  - liburing-zcrx builds on it, and installs next to it (make install
#    DESTDIR=) without a file in common and without changing one of its;
#  - test/mainline.c, a program in mainline liburing's style, builds and
#    links: where the liburing has the zcrx API, unchanged, and also with
#    <liburing/zcrx.h> and -luring-zcrx added (once before this, static
#    linking said 'multiple definition'); where it lacks it, with them;
#    statically and with the shared libraries;
#  - the programs run (0, or 4 where the kernel cannot: not a failure);
#  - for a newer liburing, liburing-zcrx's unit tests pass on it.
#
# Run by make check (with CC, CPPFLAGS and O from it); KTAP on stdout.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/ktap.sh"
top=$(cd "$here/.." && pwd)
cc=${CC:-cc}
O=${O:-$top/../build/liburing}
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Inside the unit tests of a newer liburing that this script started.
if [ -n "${COEXIST_INNER:-}" ]; then
	ktap_plan 1
	ktap_skip "run by the outer coexist.sh" "liburing-zcrx beside liburing"
	ktap_finish
	exit 4
fi

# The liburings: NAME ROOT INCDIR LIBDIR. The system's files are copied
# into a root of their own, so that installing next to them is harmless.
roots=$tmp/roots
sysroot=$tmp/system
libdir=$(dirname "$($cc -print-file-name=liburing.a)")
if [ -f /usr/include/liburing.h ] && [ -f "$libdir/liburing.a" ]; then
	for f in $(dpkg -L liburing-dev liburing2 2>/dev/null) \
		 /usr/include/liburing.h /usr/include/liburing/*.h \
		 "$libdir"/liburing.*; do
		{ [ -f "$f" ] || [ -L "$f" ]; } || continue
		mkdir -p "$sysroot$(dirname "$f")"
		cp -P "$f" "$sysroot$f"
	done
	echo "system $sysroot /usr/include $libdir" > "$roots"
fi
for r in "$O"/newer/root-*; do
	[ -f "$r/usr/include/liburing.h" ] || continue
	echo "${r##*/root-} $r /usr/include /usr/lib" >> "$roots"
done
nroots=$(wc -l < "$roots")

# Per liburing: build, install, 4 builds of mainline.c, run, unit tests.
ktap_plan $((nroots * 9))
[ "$nroots" -gt 1 ] ||
	ktap_info "no newer liburing: test/newer-liburing.sh $O builds one"

# expect DESCRIPTION CMD...: CMD succeeds; its output shows if not.
expect() {
	what=$1
	shift
	if "$@" > "$tmp/log" 2>&1; then
		ktap_result 0 "$what"
	else
		ktap_result 1 "$what"
		sed -n '1,12s/^/# /p' "$tmp/log"
	fi
}

# runs DESCRIPTION PROGRAM: exits 0, or 4 (the kernel or caller cannot).
runs() {
	LD_LIBRARY_PATH=$libs "$2" > "$tmp/log" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/log"
	[ $rc -eq 0 ] || [ $rc -eq 4 ]
	ktap_result $? "$1 (exit $rc)"
}

while read -r name root inc lib; do
	ktap_info "liburing $name in $root"
	dest=$tmp/dest-$name
	zo=$tmp/zcrx-$name
	cp -a "$root" "$dest"
	find "$dest" \( -type f -o -type l \) | sort > "$tmp/theirs"
	(cd "$dest" && find . -type f -exec sha256sum {} +) | sort > "$tmp/sums"
	flags="-I$root$inc"
	libs=$root$lib

	expect "$name: liburing-zcrx builds on it" \
		make -s -C "$top" O="$zo" CC="$cc" CPPFLAGS="$flags" \
		LDFLAGS="-L$libs" all
	make -s -C "$top" O="$zo" CC="$cc" CPPFLAGS="$flags" LDFLAGS="-L$libs" \
		DESTDIR="$dest" PREFIX=/usr LIBDIR="$lib" install > "$tmp/log" 2>&1
	find "$dest" \( -type f -o -type l \) | sort > "$tmp/all"
	ours=$(comm -13 "$tmp/theirs" "$tmp/all" | wc -l)
	changed=$( (cd "$dest" && sha256sum -c --quiet "$tmp/sums" 2>&1) | wc -l)
	# Nothing of theirs changed, none of ours is a .3 page or liburing.*
	comm -13 "$tmp/theirs" "$tmp/all" | grep -E '\.3$|/liburing\.' \
		> "$tmp/clash"
	[ "$ours" -gt 20 ] && [ "$changed" -eq 0 ] && [ ! -s "$tmp/clash" ]
	ktap_result $? "$name: make install adds $ours files beside it and changes none of its"
	[ "$changed" -eq 0 ] || ktap_info "$changed of its files changed"
	sed 's/^/# would clash: /' "$tmp/clash"

	# The user's build: headers and libraries from the installed tree.
	inc_flags="-I$dest$inc"
	static_libs="$dest$lib/liburing-zcrx.a $dest$lib/liburing.a"
	libs=$dest$lib
	prog=$here/mainline.c
	if grep -q 'define LIBURING_ZCRX_LIB_FN_QUERY *1' \
		"$dest$inc/liburing/zcrx-config.h" &&
	   grep -q 'define LIBURING_ZCRX_LIB_FN_CTRL *1' \
		"$dest$inc/liburing/zcrx-config.h"; then
		expect "$name: the mainline-style program builds unchanged, static" \
			$cc -O2 -Wall -Werror $inc_flags -o "$tmp/ml-s" "$prog" \
			"$dest$lib/liburing.a"
		expect "$name: the mainline-style program builds unchanged, shared" \
			$cc -O2 -Wall -Werror $inc_flags -o "$tmp/ml-d" "$prog" \
			-L"$libs" -luring
	else
		$cc -O2 $inc_flags -fsyntax-only "$prog" > "$tmp/log" 2>&1
		[ $? -ne 0 ]
		ktap_result $? "$name: without liburing-zcrx the mainline-style program does not build"
		expect "$name: with <liburing/zcrx.h> added it builds, shared" \
			$cc -O2 -Wall -Werror -DUSE_LIBURING_ZCRX $inc_flags \
			-o "$tmp/ml-d" "$prog" -L"$libs" -luring-zcrx -luring
	fi
	expect "$name: with <liburing/zcrx.h> and both static libraries, no multiple definition" \
		$cc -O2 -Wall -Werror -DUSE_LIBURING_ZCRX $inc_flags \
		-o "$tmp/ml-zs" "$prog" $static_libs
	expect "$name: with <liburing/zcrx.h> and both shared libraries" \
		$cc -O2 -Wall -Werror -DUSE_LIBURING_ZCRX $inc_flags \
		-o "$tmp/ml-zd" "$prog" -L"$libs" -luring-zcrx -luring

	runs "$name: the statically linked program runs" "$tmp/ml-zs"
	runs "$name: the shared program runs against this liburing" "$tmp/ml-d"

	if [ "$name" = system ]; then
		ktap_skip "make check runs them" "$name: the unit tests pass on it"
	else
		LD_LIBRARY_PATH=$root$lib COEXIST_INNER=1 make -s -C "$top" \
			O="$zo" CC="$cc" CPPFLAGS="$flags" LDFLAGS="-L$root$lib" \
			KHDR= check > "$tmp/log" 2>&1
		rc=$?
		grep -E '^not ok|^# liburing-zcrx' "$tmp/log" | sed 's/^/# /'
		ktap_result $rc "$name: the unit tests pass on it"
	fi
done < "$roots"
ktap_finish
