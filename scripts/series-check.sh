#!/bin/bash
# make series-check: is the series bisectable and clean, and does it apply
# beyond our pin? Slow (a kernel build per patch); not part of make check.
#
#  1. In a worktree of TREE at pristine, apply the patches one by one and
#     after each: build the release kernel, rebuild the patch's new .c
#     files with W=1 (any warning fails), and run checkpatch --strict on
#     the patch (anything not in kernel/patches/checkpatch-notes fails).
#  2. Apply the whole series to the other linux-source-6.12 versions
#     Debian's mirror serves (their .debs fetched with apt-get download
#     into build/), noting fuzz and offsets, and build the oldest.
#
# Results in build/series-check/summary.txt (the cover letter quotes it).
#
# Usage: scripts/series-check.sh TREE KERNEL_PKG PINNED_VERSION
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$(realpath "${1:?tree}")
pkg=${2:?kernel source package}
pinned=${3:?pinned version}
patches=$top/kernel/patches
out=$top/build/series-check
wt=$out/linux
kb=$out/kbuild
log=$out/log
jobs=$(nproc)
# shellcheck source=lib/series.sh
source "$top/scripts/lib/series.sh"

export GIT_COMMITTER_NAME="zcrx tree" GIT_COMMITTER_EMAIL="tree@zcrx.invalid"
export PATH=/usr/lib/ccache:$PATH CCACHE_BASEDIR=$top
kmake() { make -s -j"$jobs" KBUILD_BUILD_USER=zcrx KBUILD_BUILD_HOST=zcrx "$@"; }

mkdir -p "$out" "$log"
failed=0
summary=$out/summary.txt.new
: > "$summary"
say() { echo "$*" | tee -a "$summary"; }
t0=$SECONDS

# The release configuration on allnoconfig; options a patch has not added
# yet are simply absent.
configure() {
	kmake -C "$1" O="$2" KCONFIG_ALLCONFIG="$top/kernel/configs/release.config" \
		allnoconfig > /dev/null
}

# notes_allow PATCH TYPE: the checkpatch notes list this finding
notes_allow() {
	awk -F'\t' -v p="$1" -v t="$2" \
		'!/^#/ && index(p, $1) == 1 && $2 == t { f = 1 } END { exit !f }' \
		"$patches/checkpatch-notes"
}

# check_patch FILE: checkpatch --strict, every finding listed in the notes
check_patch() {
	local p=$1 name=${1##*/} line type bad=0

	# no git dir: it would look Fixes: ids up in a tree without history
	(cd /tmp && GIT_DIR=/nonexistent perl "$wt/scripts/checkpatch.pl" \
		--strict --no-tree --terse --show-types - < "$p") \
		> "$log/${name%.patch}.checkpatch" 2>&1
	while IFS= read -r line; do
		[[ $line =~ :\ (ERROR|WARNING|CHECK):([A-Z_]+): ]] || continue
		type=${BASH_REMATCH[2]}
		if [[ ${BASH_REMATCH[1]} != ERROR ]] && notes_allow "$name" "$type"; then
			continue
		fi
		echo "   $line"
		bad=1
	done < "$log/${name%.patch}.checkpatch"
	return $bad
}

# w1_new_files COMMIT: rebuild the new .c files COMMIT touches with W=1
# (a file included by another, like zcrx_test.c, has no object of its own)
w1_new_files() {
	local f o bad=0

	for f in $(git -C "$wt" diff-tree --no-commit-id --name-only -r "$1" -- '*.c'); do
		series_new_files "$patches" | grep -qxF "$f" || continue
		o=${f%.c}.o
		[[ -e $kb/$o ]] || continue
		if ! kmake -C "$wt" O="$kb" W=1 "$o" > "$log/w1.out" 2>&1 ||
		   grep -q 'warning:' "$log/w1.out"; then
			sed 's/^/   /' "$log/w1.out"
			bad=1
		fi
	done
	return $bad
}

# 1. patch by patch
say "== bisect build: release config, one build per patch (base $pinned)"
if [[ -d $wt ]]; then
	git -C "$wt" am --abort > /dev/null 2>&1
	git -C "$wt" checkout -q --detach pristine && git -C "$wt" reset -q --hard pristine
	git -C "$wt" clean -qfdx
else
	git -C "$tree" worktree add -q --detach "$wt" pristine
fi
mkdir -p "$kb"
i=0
for p in "$patches"/*.patch; do
	i=$((i + 1))
	name=${p##*/}
	s=$SECONDS
	status=ok
	if ! git -C "$wt" am -q --committer-date-is-author-date "$p" > "$log/am.out" 2>&1; then
		say "$(printf '%02d' $i) FAIL does not apply: $name"
		failed=1
		break
	fi
	configure "$wt" "$kb"
	if ! kmake -C "$wt" O="$kb" bzImage > "$log/build-$i.out" 2>&1; then
		status="FAIL build"
		grep -E 'error|Error' "$log/build-$i.out" | head -n 5 | sed 's/^/   /'
	elif ! w1_new_files HEAD; then
		status="FAIL W=1"
	fi
	if ! check_patch "$p"; then
		[[ $status == ok ]] && status="FAIL checkpatch" || status="$status, checkpatch"
	fi
	[[ $status == ok ]] || failed=1
	say "$(printf '%02d %-4s %4ss' $i "${status%% *}" $((SECONDS - s))) ${name%.patch}${status#ok}"
done
if [[ $failed -eq 0 ]]; then
	want=$(series_tree "$tree" "$patches")
	[[ $(git -C "$wt" rev-parse 'HEAD^{tree}') == "$want" ]] ||
		{ say "the patched worktree is not the series' tree"; failed=1; }
fi

# 2. other Debian versions of the source
say ""
say "== other $pkg versions on the mirror"
debs=$out/debs
mkdir -p "$debs"
mapfile -t versions < <(apt-cache madison "$pkg" | awk '{print $3}' | sort -uV)
oldest=${versions[0]:-}
for v in "${versions[@]}"; do
	[[ $v == "$pinned" ]] && continue
	src=$out/src-$v
	if [[ ! -d $src ]]; then
		deb=$(ls "$debs/${pkg}_${v//:/%3a}_"*.deb 2>/dev/null | head -n 1)
		if [[ -z $deb ]]; then
			(cd "$debs" && apt-get download -q "$pkg=$v" > /dev/null 2>&1)
			deb=$(ls "$debs/${pkg}_"*"${v#*:}"*.deb 2>/dev/null | head -n 1)
		fi
		if [[ -z $deb ]]; then
			say "$v: cannot download ($pkg=$v)"
			failed=1
			continue
		fi
		rm -rf "$src.tmp"
		mkdir -p "$src.tmp"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards '*/linux-source-*.tar.xz' |
			tar -xJ -C "$src.tmp" --strip-components=1
		mv "$src.tmp" "$src"
		(cd "$src" && git init -q && git add -f -A . &&
			git -c user.name=zcrx -c user.email=zcrx@invalid commit -q -m base)
	fi
	git -C "$src" reset -q --hard HEAD~0
	git -C "$src" clean -qfdx
	fuzz=""
	ok=1
	for p in "$patches"/*.patch; do
		if ! r=$(cd "$src" && patch -p1 --forward --no-backup-if-mismatch < "$p" 2>&1); then
			say "$v: ${p##*/} does not apply"
			ok=0
			failed=1
			break
		fi
		f=$(grep -E 'with fuzz|offset' <<< "$r" | sed "s|^|${p##*/}: |")
		[[ -n $f ]] && fuzz+="$f"$'\n'
	done
	[[ $ok -eq 1 ]] || continue
	if [[ -z $fuzz ]]; then
		line="$v: applies cleanly"
	else
		line="$v: applies, with $(grep -c . <<< "$fuzz") hunk(s) offset or fuzzed"
	fi
	if [[ $v == "$oldest" ]]; then
		s=$SECONDS
		configure "$src" "$out/kbuild-$v"
		if kmake -C "$src" O="$out/kbuild-$v" bzImage > "$log/build-$v.out" 2>&1; then
			line+=", builds ($((SECONDS - s)) s)"
		else
			line+=", DOES NOT BUILD"
			failed=1
		fi
	fi
	say "$line"
	[[ -n $fuzz ]] && printf '%s' "$fuzz" | sed 's/^/   /' | tee -a "$summary"
done

say ""
say "series-check: $([[ $failed -eq 0 ]] && echo passed || echo FAILED)" \
	"in $(( (SECONDS - t0) / 60 )) min $(( (SECONDS - t0) % 60 )) s"
mv "$summary" "$out/summary.txt"
exit $failed
