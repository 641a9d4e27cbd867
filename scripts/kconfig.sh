#!/bin/bash
# Generate OUTDIR/.config from allnoconfig plus config fragments, and check
# that Kconfig kept every value a fragment asks for (a symbol that is
# misspelt, or whose dependencies are missing, would otherwise be dropped
# silently).
#
# The .config is rewritten only when the fragments or the tree's Kconfig
# files changed, so an unchanged build stays a no-op.
#
# Usage: scripts/kconfig.sh TREE OUTDIR FRAGMENT...
set -euo pipefail

tree=$(realpath "${1:?tree}")
out=$(realpath -m "${2:?output directory}")
shift 2
fragments=("$@")

mkdir -p "$out"
merged=$out/zcrx-fragments.config
stamp=$out/zcrx-fragments.stamp

# Kconfig files change when the patch series changes; the series commit
# stands for them.
want=$( { cat "${fragments[@]}"; git -C "$tree" rev-parse HEAD; } | sha1sum)
if [[ -f $out/.config && -f $stamp && $(cat "$stamp") == "$want" ]]; then
	exit 0
fi

cat "${fragments[@]}" > "$merged"
echo "kconfig: $(basename "$out"): allnoconfig + ${fragments[*]##*/}"
make -s -C "$tree" O="$out" KCONFIG_ALLCONFIG="$merged" allnoconfig

bad=0
while IFS= read -r line; do
	[[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] || continue
	sym=${BASH_REMATCH[1]}
	val=${BASH_REMATCH[2]}
	if [[ $val == n ]]; then
		if grep -q "^$sym=" "$out/.config"; then
			echo "kconfig: $sym=n requested, got $(grep "^$sym=" "$out/.config")" >&2
			bad=1
		fi
	elif ! grep -qxF -- "$sym=$val" "$out/.config"; then
		got=$(grep -E "^($sym=|# $sym is not set)" "$out/.config" || echo "absent")
		echo "kconfig: $sym=$val requested, got: $got" >&2
		bad=1
	fi
done < "$merged"
if [[ $bad -ne 0 ]]; then
	rm -f "$stamp"
	echo "kconfig: fix the fragments (dependencies missing?)" >&2
	exit 1
fi
echo "$want" > "$stamp"
