#!/bin/bash
# Prepare the kernel tree under build/: pristine Debian source imported as a
# git repository, our patch series applied on top as commits (new files
# included), and any edit made to a new file in kernel/<path> since the
# series was last exported copied over the committed version, uncommitted,
# so the build uses it until `make export-patches` folds it into its patch.
#
# Cheap when nothing changed: the series is re-applied only when
# kernel/patches/ changed, and a file is copied only when it differs or was
# touched since the last copy, so kbuild rebuilds exactly that.
#
# Usage: scripts/prepare-tree.sh TREE TARBALL VERSION
set -euo pipefail

tree=$(realpath -m "${1:?tree directory}")
tarball=${2:?source tarball}
version=${3:?package version}
top=$(cd "$(dirname "$0")/.." && pwd)
patches=$top/kernel/patches
state=$tree/.git/zcrx
# shellcheck source=lib/series.sh
source "$top/scripts/lib/series.sh"

# Patches are applied with a fixed committer so commit ids, and therefore
# the exported series, only change when a patch does.
export GIT_COMMITTER_NAME="zcrx tree" GIT_COMMITTER_EMAIL="tree@zcrx.invalid"
git_tree() { git -C "$tree" "$@"; }

import_pristine() {
	echo "tree: importing $(basename "$tarball") ($version) into $tree"
	rm -rf "$tree"
	mkdir -p "$tree"
	tar -xaf "$tarball" -C "$tree" --strip-components=1
	git_tree init -q -b zcrx
	git_tree config core.autocrlf false
	git_tree config gc.auto 0
	# -f: upstream's .gitignore must not hide any shipped file.
	git_tree add -f -A .
	GIT_AUTHOR_NAME="Debian" GIT_AUTHOR_EMAIL="debian@zcrx.invalid" \
		git_tree commit -q -m "Import Debian linux-source-6.12 $version"
	git_tree tag pristine
	mkdir -p "$state"
	echo "$version" > "$state/version"
}

# discardable: the tree's uncommitted changes are all copies of kernel/
# files (what sync_new_files makes), so re-applying the series loses nothing.
discardable() {
	local f

	while IFS= read -r f; do
		[[ -n $f ]] || continue
		cmp -s "$tree/$f" "$top/kernel/$f" || return 1
	done < <(git_tree diff --name-only HEAD)
}

apply_series() {
	local want head applied
	want=$(series_hash "$patches")
	head=$(git_tree rev-parse HEAD)
	if [[ -f $state/series ]]; then
		read -r applied applied_head < "$state/series"
		[[ $applied == "$want" && $applied_head == "$head" ]] && return 0
		if [[ $applied_head != "$head" ]]; then
			echo "tree: $tree has commits that are not in kernel/patches/." >&2
			echo "tree: run 'make export-patches' to keep them, or" \
				"'make reset-tree' to drop them." >&2
			exit 1
		fi
	fi
	if ! discardable; then
		echo "tree: $tree has uncommitted changes that are not in" \
			"kernel/; commit them and run 'make export-patches'." >&2
		exit 1
	fi
	git_tree reset -q --hard pristine
	local p
	for p in "$patches"/*.patch; do
		[[ -e $p ]] || continue
		if ! git_tree am -q --committer-date-is-author-date "$p" \
				>/dev/null 2>&1; then
			git_tree am --abort >/dev/null 2>&1 || true
			git_tree reset -q --hard pristine
			rm -f "$state/series"
			echo "tree: patch kernel/patches/$(basename "$p") does not apply" >&2
			exit 1
		fi
	done
	echo "$want $(git_tree rev-parse HEAD)" > "$state/series"
	echo "tree: applied $(series_count "$patches") patches"
}

# A new file edited in kernel/ since the last export: build the edit. The
# tree keeps it as an uncommitted change; `make export-patches` folds it
# into the patch that last touched the file. A copy gets the time of
# copying, so objects built from the previous version look older.
sync_new_files() {
	local f

	for f in $(cd "$top/kernel" && find . -type f ! -path './patches/*' \
			! -path './configs/*' | sed 's|^\./||' | sort); do
		if ! git_tree cat-file -e "HEAD:$f" 2>/dev/null; then
			echo "tree: kernel/$f is in no patch; add it to one in" \
				"$tree and run 'make export-patches'" >&2
			exit 1
		fi
		if [[ $top/kernel/$f -nt $tree/$f ]] ||
		   ! cmp -s "$top/kernel/$f" "$tree/$f"; then
			if ! cmp -s "$top/kernel/$f" "$tree/$f"; then
				echo "tree: building kernel/$f as edited" \
					"(not in kernel/patches/ yet)"
			fi
			cp "$top/kernel/$f" "$tree/$f"
		fi
	done
}

if [[ ! -f $state/version || $(cat "$state/version") != "$version" ]]; then
	import_pristine
fi
apply_series
sync_new_files
