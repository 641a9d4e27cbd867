/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The byte pattern of test streams: byte i of a stream is byte (i % 8) of
 * pattern_word(i / 8), little endian. Position dependent, so a chunk that
 * is lost, duplicated, reordered or written to the wrong place shows up as
 * a mismatch at its offset. Shared by every sender and checker.
 */
#ifndef TESTS_LIB_PATTERN_H
#define TESTS_LIB_PATTERN_H

#include <stdint.h>

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

#endif /* TESTS_LIB_PATTERN_H */
