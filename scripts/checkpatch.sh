#!/bin/bash
# checkpatch --strict from the prepared tree on our kernel code: every new
# file under kernel/ and every patch in kernel/patches/. One record per
# file for report.py: an ERROR fails it, warnings and checks are shown.
#
# Usage: scripts/checkpatch.sh TREE RECORDS
set -uo pipefail

tree=$(realpath "${1:?tree}")
records=${2:?records file}
top=$(cd "$(dirname "$0")/.." && pwd)
cp=$tree/scripts/checkpatch.pl
: > "$records"

# Terse findings read "FILE:LINE: TYPE:KIND: message".
record() {
	local name=$1 out=$2 status=pass detail
	grep -q ': ERROR:' <<< "$out" && status=fail
	detail=$(grep -E ': (ERROR|WARNING|CHECK):' <<< "$out" | head -n 3 | tr '\n' ' ')
	printf '%s\tlint\tcheckpatch/%s\t%s\n' "$status" "$name" "$detail" >> "$records"
	[[ $status == pass ]] || printf '%s\n' "$out" >&2
}

cd "$top" || exit 1
while IFS= read -r f; do
	record "$f" "$(perl "$cp" --strict --no-tree --terse --show-types -f "$f")"
done < <(find kernel -name '*.[ch]' ! -path 'kernel/patches/*' | sort)

# A patch goes in on stdin: for a file git tracks, checkpatch would check
# the patch text itself as a source file.
for p in kernel/patches/*.patch; do
	[[ -e $p ]] || continue
	record "${p#kernel/patches/}" \
		"$(perl "$cp" --strict --no-tree --terse --show-types - < "$p")"
done
sed 's/^pass/ok   /; s/^fail/FAIL /' "$records" | awk -F'\t' '{printf "%-5s %-8s %s%s\n", $1, $2, $3, ($4 != "" ? "  (" $4 ")" : "")}'
