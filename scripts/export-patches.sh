#!/bin/bash
# Bring kernel/ in sync with edits made in the prepared tree: regenerate
# kernel/patches/ from the tree's commits on top of the pristine import, and
# copy overlay files edited in the tree back to kernel/.
#
# Usage: scripts/export-patches.sh TREE
set -euo pipefail

tree=$(realpath "${1:?tree directory}")
top=$(cd "$(dirname "$0")/.." && pwd)
patches=$top/kernel/patches
state=$tree/.git/zcrx
# shellcheck source=lib/series.sh
source "$top/scripts/lib/series.sh"

if ! git -C "$tree" diff --quiet HEAD; then
	echo "export: $tree has uncommitted changes to upstream files;" \
		"commit them first" >&2
	exit 1
fi

mkdir -p "$patches"
rm -f "$patches"/*.patch
# --zero-commit and no signature keep an unchanged patch byte-identical.
git -C "$tree" format-patch -q --zero-commit --no-signature -N \
	-o "$patches" pristine..HEAD
n=$(series_count "$patches")
echo "export: wrote $n patches to kernel/patches/"

# Overlay files edited in the tree win when they are newer.
if [[ -f $state/overlay ]]; then
	(cd "$tree" && rsync -rtu --files-from="$state/overlay" . "$top/kernel/")
fi

# The tree now matches kernel/: record it so prepare-tree.sh does not
# re-apply the series.
echo "$(series_hash "$patches") $(git -C "$tree" rev-parse HEAD)" > "$state/series"
