/*
 * workload_data.h - what the bench harness and the fault suite share: a
 * seeded PRNG, a position-dependent data pattern that makes every byte
 * checkable.  (Parsing a command line is common/toolbox.h's.)
 *
 * The pattern: byte at file offset o of a stream seeded with s is a pure
 * function of (s, o), so a reader can verify any range without a copy of
 * the data, and a misplaced block (right bytes, wrong offset) is caught.
 */
#ifndef URT_WORKLOAD_DATA_H
#define URT_WORKLOAD_DATA_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: one multiply-xorshift step per value; good enough for
 * workload offsets and fault lengths, and trivially seedable. */
static inline uint64_t wd_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A value in [0, bound). bound must be > 0. */
static inline uint64_t wd_below(uint64_t *state, uint64_t bound)
{
	return wd_next(state) % bound;
}

/* Fills buf with the pattern bytes for file offsets [off, off + len). */
void wd_pattern_fill(void *buf, size_t len, uint64_t off, uint64_t seed);

/* Checks buf against the pattern for [off, off + len).  Returns the number
 * of wrong bytes (0 = intact); *first_bad gets the offset of the first one
 * when first_bad is not NULL and a byte is wrong. */
size_t wd_pattern_check(const void *buf, size_t len, uint64_t off, uint64_t seed, uint64_t *first_bad);

#endif
