#!/bin/sh
# SPDX-License-Identifier: MIT
# Every function <liburing/zcrx.h> declares has its man page in man/, with
# the sections a liburing page has, and every page renders without a groff
# warning.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/ktap.sh"
export LC_ALL=C
header=$here/../include/liburing/zcrx.h
man=$here/../man

# Declarations start in column 0; the name is the last word before "(".
functions=$(sed -n 's/^[a-z][a-z_ ]*[ *]\(io_uring_[a-z_]*\)(.*/\1/p; s/^\(io_uring_[a-z_]*\)(.*/\1/p' \
	"$header" | sort -u)
pages=$(ls "$man"/*.3 "$man"/*.7)

ktap_plan $(($(echo "$functions" | wc -l) + $(echo "$pages" | wc -l)))

for f in $functions; do
	page=$man/$f.3
	missing=""
	for section in NAME SYNOPSIS DESCRIPTION "RETURN VALUE" "SEE ALSO"; do
		grep -q "^\.SH \"*$section\"*\$" "$page" 2>/dev/null ||
			missing="$missing [$section]"
	done
	grep -q "^\.TH $f 3 " "$page" 2>/dev/null || missing="$missing [.TH]"
	ktap_result $([ -z "$missing" ]; echo $?) "$f(3) is documented"
	[ -z "$missing" ] || ktap_info "$page lacks$missing"
done

for page in $pages; do
	warnings=$(groff -man -ww -z "$page" 2>&1)
	ktap_result $([ -z "$warnings" ]; echo $?) \
		"$(basename "$page") renders without warnings"
	[ -z "$warnings" ] || echo "$warnings" | sed 's/^/# /'
done
ktap_finish
