# Shared by the scripts that keep build/linux and kernel/ in step:
# prepare-tree.sh, export-patches.sh, series.sh.
#
# kernel/patches/*.patch is the whole series, new files included.
# kernel/patches/new-files says which patch adds each new file; the final
# version of every such file is also kept at kernel/<path>, where it can
# be read and edited.

# series_hash DIR: one id for the whole patch series (names and contents),
# recorded next to the commit it produced so an unchanged series is not
# re-applied.
series_hash() {
	local files=("$1"/*.patch)

	[[ -e ${files[0]} ]] || files=()
	{
		printf '%s\n' "${files[@]##*/}"
		cat -- "${files[@]}" < /dev/null
	} | sha1sum | cut -d' ' -f1
}

# series_count DIR: number of patches in the series.
series_count() {
	local files=("$1"/*.patch)

	[[ -e ${files[0]} ]] || files=()
	echo "${#files[@]}"
}

# series_new_files DIR: the in-tree paths of the files the series adds,
# from DIR/new-files ("PATH<TAB>PATCH" per line).
series_new_files() {
	[[ -f $1/new-files ]] || return 0
	grep -v '^#' "$1/new-files" | cut -f1
}

# series_tree TREE DIR: the git tree id of pristine + every patch in DIR,
# computed in a private index without touching TREE's work tree.
series_tree() {
	local tree=$1 dir=$2 index p

	index=$(mktemp)
	(
		export GIT_INDEX_FILE=$index
		git -C "$tree" read-tree pristine || exit 1
		for p in "$dir"/*.patch; do
			[[ -e $p ]] || continue
			git -C "$tree" apply --cached --whitespace=nowarn \
				"$(realpath "$p")" ||
				{ echo "series: ${p##*/} does not apply" >&2; exit 1; }
		done
		git -C "$tree" write-tree
	)
	local rc=$?
	rm -f "$index"
	return $rc
}

# work_tree TREE: the git tree id of what TREE's work tree holds now (its
# tracked files as they are on disk).
work_tree() {
	local tree=$1 index

	index=$(mktemp)
	(
		export GIT_INDEX_FILE=$index
		git -C "$tree" read-tree HEAD &&
		git -C "$tree" add -u &&
		git -C "$tree" write-tree
	)
	local rc=$?
	rm -f "$index"
	return $rc
}
