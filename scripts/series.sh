#!/bin/bash
# The patch series as a user takes it: make series, and the check that the
# kernels were built from exactly that series (make check runs it).
#
#   series.sh write TREE OUTDIR VERSION
#       OUTDIR/0000-cover-letter.patch, the patches numbered [PATCH n/N]
#       in git format-patch form, a quilt `series` file and `new-files`
#       (which patch adds each new file). The cover letter is
#       kernel/patches/cover-letter.txt with the base version and, if
#       make series-check has run, its results filled in.
#   series.sh verify TREE RECORDS
#       one record for report.py: pristine + kernel/patches is exactly
#       what TREE's work tree holds, i.e. what the kernels were built from.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
patches=$top/kernel/patches
# shellcheck source=lib/series.sh
source "$top/scripts/lib/series.sh"

cmd=${1:?write or verify}
tree=$(realpath "${2:?tree}")

same_tree() {
	local want got

	want=$(series_tree "$tree" "$patches") || return 1
	got=$(work_tree "$tree") || return 1
	[[ $want == "$got" ]]
}

write() {
	local out version=$2 n check=$top/build/series-check/summary.txt
	local cover

	out=$(realpath -m "$1")

	if ! same_tree; then
		echo "series: $tree is not pristine + kernel/patches;" \
			"run 'make export-patches' (edits in the tree) or" \
			"'make tree' (edits in kernel/)" >&2
		exit 1
	fi
	rm -rf "$out"
	mkdir -p "$out"
	n=$(series_count "$patches")
	git -C "$tree" format-patch -q --zero-commit --no-signature \
		--cover-letter -n -o "$out" pristine..HEAD
	cover=$out/0000-cover-letter.patch
	python3 - "$cover" "$patches/cover-letter.txt" "$version" "$check" \
		"$patches/checkpatch-notes" <<'EOF'
import os, sys
cover, template, version, check, notes = sys.argv[1:]
text = open(template).read()
subject, _, body = text.partition('\n\n')
subject = subject.removeprefix('Subject: ')
body = body.replace('@BASE@', version)
if os.path.exists(check):
    results = 'make series-check:\n\n' + open(check).read()
else:
    results = 'make series-check has not been run on this copy.'
body = body.replace('@SERIES_CHECK@', results.rstrip('\n'))
lines = [l for l in open(notes) if l.strip() and not l.startswith('#')]
if lines:
    body += '\ncheckpatch --strict, what it reports and why it stays:\n\n'
    for l in lines:
        patch, kind, why = l.rstrip('\n').split('\t')
        body += f' - {patch}... {kind}: {why}\n'
c = open(cover).read()
c = c.replace('*** SUBJECT HERE ***', subject)
c = c.replace('*** BLURB HERE ***', body.rstrip('\n'))
open(cover, 'w').write(c)
EOF
	(cd "$out" && ls -- *.patch | grep -v '^0000-') > "$out/series"
	cp "$patches/new-files" "$out/new-files"
	echo "series: $n patches and a cover letter in ${out#"$top"/}"
}

verify() {
	local records=$1 status=pass detail

	detail="pristine + $(series_count "$patches") patches is the tree the kernels were built from"
	if ! same_tree; then
		status=fail
		detail="the kernels were built from a tree that is not pristine + kernel/patches (run make export-patches)"
	fi
	printf '%s\tseries\tseries/applies\t%s\n' "$status" "$detail" > "$records"
	[[ $status == pass ]]
}

case $cmd in
write) write "${3:?outdir}" "${4:?version}" ;;
verify) verify "$(realpath -m "${3:?records}")" ;;
*) echo "usage: $0 write|verify TREE ..." >&2; exit 2 ;;
esac
