/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The byte pattern of test streams: byte i of a stream is byte (i % 8) of
 * pattern_word(i / 8), little endian. Position dependent, so a chunk that
 * is lost, duplicated, reordered or written to the wrong place shows up as
 * a mismatch at its offset. Shared by every sender and checker.
 */
#ifndef TESTS_LIB_PATTERN_H
#define TESTS_LIB_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* splitmix64's finaliser: a word that differs for every index. */
static inline uint64_t pattern_word(uint64_t idx)
{
	idx += 0x9e3779b97f4a7c15ull;
	idx = (idx ^ (idx >> 30)) * 0xbf58476d1ce4e5b9ull;
	idx = (idx ^ (idx >> 27)) * 0x94d049bb133111ebull;
	return idx ^ (idx >> 31);
}

static inline uint8_t pattern_byte(uint64_t off)
{
	return (uint8_t)(pattern_word(off / 8) >> (8 * (off % 8)));
}

/* Write LEN bytes of the stream at offset OFF to BUF, whole words where aligned. */
static inline void pattern_fill(uint8_t *buf, uint64_t off, size_t len)
{
	size_t i = 0;
	uint64_t w;

	for (; i < len && (off + i) % 8; i++)
		buf[i] = pattern_byte(off + i);
	for (; i + 8 <= len; i += 8) {
		w = pattern_word((off + i) / 8);
		memcpy(buf + i, &w, 8);
	}
	for (; i < len; i++)
		buf[i] = pattern_byte(off + i);
}

/*
 * Write LEN bytes of the stream from offset OFF to FD, in chunks of 64 KiB.
 * False if a write fails or writes nothing (errno says why).
 */
static inline bool pattern_write(int fd, uint64_t off, uint64_t len)
{
	static uint8_t buf[1 << 16];
	uint64_t end = off + len;

	while (off < end) {
		size_t n = end - off < sizeof(buf) ? end - off : sizeof(buf);
		ssize_t ret;

		pattern_fill(buf, off, n);
		ret = write(fd, buf, n);
		if (ret <= 0)
			return false;
		off += ret;
	}
	return true;
}

/*
 * Compare LEN bytes at BUF with the stream at offset OFF. Returns the number
 * of wrong bytes; the stream offset of the first one goes to *FIRST_BAD
 * unless *FIRST_BAD is already set (>= 0), so a caller can carry it across
 * calls. Whole words are compared first and only a differing word is looked
 * at byte by byte.
 */
static inline uint64_t pattern_check(const uint8_t *buf, uint64_t off,
				     size_t len, int64_t *first_bad)
{
	uint64_t bad = 0, w;
	size_t i = 0, j, n;

	while (i < len) {
		n = 8 - (off + i) % 8;
		if (n > len - i)
			n = len - i;
		w = pattern_word((off + i) / 8);
		if (n == 8 && !memcmp(buf + i, &w, 8)) {
			i += 8;
			continue;
		}
		for (j = i; j < i + n; j++) {
			if (buf[j] == pattern_byte(off + j))
				continue;
			if (*first_bad < 0)
				*first_bad = (int64_t)(off + j);
			bad++;
		}
		i += n;
	}
	return bad;
}

#endif /* TESTS_LIB_PATTERN_H */
