# Shared by prepare-tree.sh and export-patches.sh.

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
