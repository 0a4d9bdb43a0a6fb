/*
 * workload_data.c - the shared data pattern.
 */
#include "workload_data.h"

#include <stdlib.h>
#include <string.h>

/* Eight pattern bytes per 8-byte-aligned word: one hash per word keeps
 * filling and checking at memory speed. */
static inline uint64_t pattern_word(uint64_t word_index, uint64_t seed)
{
	uint64_t s = seed ^ (word_index * 0xd1342543de82ef95ull);
	return wd_next(&s);
}

static inline uint8_t pattern_byte(uint64_t off, uint64_t seed)
{
	return (uint8_t)(pattern_word(off >> 3, seed) >> ((off & 7) * 8));
}

void wd_pattern_fill(void *buf, size_t len, uint64_t off, uint64_t seed)
{
	uint8_t *p = buf;
	size_t i = 0;
	while (i < len && ((off + i) & 7))
		p[i] = pattern_byte(off + i, seed), i++;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = pattern_word((off + i) >> 3, seed);
		memcpy(p + i, &w, 8); /* little-endian layout matches pattern_byte */
	}
	for (; i < len; i++)
		p[i] = pattern_byte(off + i, seed);
}

size_t wd_pattern_check(const void *buf, size_t len, uint64_t off, uint64_t seed, uint64_t *first_bad)
{
	const uint8_t *p = buf;
	size_t bad = 0;
	for (size_t i = 0; i < len;) {
		/* Whole aligned words compare in one go; bytes only around a mismatch
		 * and at the unaligned ends. */
		if (((off + i) & 7) == 0 && i + 8 <= len) {
			uint64_t want = pattern_word((off + i) >> 3, seed), got;
			memcpy(&got, p + i, 8);
			if (got == want) {
				i += 8;
				continue;
			}
		}
		size_t stop = ((off + i) & 7) ? i + (8 - ((off + i) & 7)) : i + 8;
		for (; i < stop && i < len; i++) {
			if (p[i] != pattern_byte(off + i, seed)) {
				if (bad == 0 && first_bad)
					*first_bad = off + i;
				bad++;
			}
		}
	}
	return bad;
}
