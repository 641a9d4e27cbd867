#!/bin/bash
# Bring kernel/ in step with build/linux: the tree's commits on top of the
# pristine import become kernel/patches/ again.
#
# Before that, edits not committed in the tree are folded into the patch
# that last touched each file: an edit of kernel/<path> (which
# prepare-tree.sh copies into the tree), or of a file in the tree that a
# patch already changes. Anything that belongs in another patch is for
# `git rebase -i pristine` in the tree first.
#
# Writes kernel/patches/*.patch (stable: zero commit ids, no signature),
# kernel/patches/new-files (which patch adds each new file) and the final
# version of every new file at kernel/<path>.
#
# Usage: scripts/export-patches.sh TREE
set -euo pipefail

tree=$(realpath "${1:?tree directory}")
top=$(cd "$(dirname "$0")/.." && pwd)
patches=$top/kernel/patches
state=$tree/.git/zcrx
# shellcheck source=lib/series.sh
source "$top/scripts/lib/series.sh"

export GIT_COMMITTER_NAME="zcrx tree" GIT_COMMITTER_EMAIL="tree@zcrx.invalid"
git_tree() { git -C "$tree" "$@"; }

# A new file edited in kernel/ after it was last copied into the tree.
for f in $(series_new_files "$patches"); do
	if [[ -f $top/kernel/$f && $top/kernel/$f -nt $tree/$f ]] &&
	   ! cmp -s "$top/kernel/$f" "$tree/$f"; then
		cp "$top/kernel/$f" "$tree/$f"
	fi
done

# Fold each changed file into the last patch that touched it.
fixups=0
while IFS= read -r f; do
	[[ -n $f ]] || continue
	target=$(git_tree log -1 --format=%H pristine..HEAD -- "$f")
	if [[ -z $target ]]; then
		echo "export: $f is changed but no patch touches it;" \
			"commit it in $tree first" >&2
		exit 1
	fi
	git_tree add -f -- "$f"
	git_tree commit -q --fixup="$target" -- "$f"
	echo "export: $f folded into: $(git_tree log -1 --format=%s "$target")"
	fixups=$((fixups + 1))
done < <(git_tree diff --name-only HEAD)
if [[ $fixups -gt 0 ]]; then
	GIT_SEQUENCE_EDITOR=true git_tree rebase -q -i --autosquash \
		--committer-date-is-author-date pristine
fi

mkdir -p "$patches"
rm -f "$patches"/*.patch
git_tree format-patch -q --zero-commit --no-signature -N \
	-o "$patches" pristine..HEAD
n=$(series_count "$patches")

# Which patch adds each new file, and the file itself in kernel/.
{
	echo "# file added by the series<TAB>the patch that adds it (written by make export-patches)"
	i=0
	for c in $(git_tree rev-list --reverse pristine..HEAD); do
		i=$((i + 1))
		name=$(cd "$patches" && ls | grep "^$(printf '%04d' $i)-")
		git_tree diff-tree --no-commit-id --name-only -r --diff-filter=A "$c" |
			sed "s|\$|\t$name|"
	done
} > "$patches/new-files"
for f in $(series_new_files "$patches"); do
	mkdir -p "$(dirname "$top/kernel/$f")"
	if ! git_tree show "HEAD:$f" | cmp -s - "$top/kernel/$f"; then
		git_tree show "HEAD:$f" > "$top/kernel/$f"
	fi
done
# A file a patch no longer adds leaves kernel/ too.
(cd "$top/kernel" && find . -type f ! -path './patches/*' \
	! -path './configs/*' | sed 's|^\./||') | sort |
	comm -23 - <(series_new_files "$patches" | sort) |
	while read -r f; do rm -f "$top/kernel/$f"; done

echo "export: wrote $n patches and $(series_new_files "$patches" | wc -l)" \
	"new files to kernel/"

# The tree now matches kernel/: record it so prepare-tree.sh does not
# re-apply the series.
echo "$(series_hash "$patches") $(git_tree rev-parse HEAD)" > "$state/series"
