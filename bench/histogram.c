/*
 * histogram.c - the log-linear histogram (see histogram.h for the layout).
 */
#include "histogram.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/* Bucket of v: v itself below 2^8; above, the octave (position of the top
 * bit) picks a group of 128 and the 7 bits under the top bit pick the
 * bucket inside it. */
static unsigned bucket_of(uint64_t v)
{
	if (v < (1u << HIST_EXACT_BITS))
		return (unsigned)v;
	unsigned top = 63u - (unsigned)__builtin_clzll(v);
	if (top > HIST_MAX_BIT)
		return HIST_BUCKETS - 1;
	unsigned shift = top - HIST_SUB_BITS;
	unsigned sub = (unsigned)(v >> shift) - (1u << HIST_SUB_BITS);
	return (1u << HIST_EXACT_BITS) + (top - HIST_EXACT_BITS) * (1u << HIST_SUB_BITS) + sub;
}

uint64_t hist_bucket_upper(unsigned i)
{
	if (i < (1u << HIST_EXACT_BITS))
		return i;
	unsigned rel = i - (1u << HIST_EXACT_BITS);
	unsigned top = HIST_EXACT_BITS + rel / (1u << HIST_SUB_BITS);
	uint64_t sub = rel % (1u << HIST_SUB_BITS);
	unsigned shift = top - HIST_SUB_BITS;
	uint64_t lower = ((1ull << HIST_SUB_BITS) + sub) << shift;
	return lower + (1ull << shift) - 1;
}

void hist_record(struct hist *h, uint64_t ns)
{
	h->buckets[bucket_of(ns)]++;
	h->count++;
	h->sum += (double)ns;
	if (ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
}

void hist_merge(struct hist *into, const struct hist *from)
{
	if (from->count == 0)
		return;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		into->buckets[i] += from->buckets[i];
	into->count += from->count;
	into->sum += from->sum;
	if (from->min < into->min)
		into->min = from->min;
	if (from->max > into->max)
		into->max = from->max;
}

uint64_t hist_percentile(const struct hist *h, double q)
{
	if (h->count == 0)
		return 0;
	/* The rank of the sample we want, 1-based, rounded up as HdrHistogram does. */
	double want = q * (double)h->count;
	uint64_t rank = (uint64_t)want;
	if ((double)rank < want || rank == 0)
		rank++;
	uint64_t seen = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			uint64_t up = hist_bucket_upper(i);
			return up > h->max ? h->max : up;
		}
	}
	return h->max;
}

long hist_bins(const struct hist *h, struct hist_bin **out)
{
	long n = 0;
	*out = NULL;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		n += h->buckets[i] != 0;
	if (n == 0)
		return 0;
	struct hist_bin *b = malloc((size_t)n * sizeof(*b));
	if (!b)
		return -ENOMEM;
	for (unsigned i = 0, k = 0; i < HIST_BUCKETS; i++)
		if (h->buckets[i])
			b[k++] = (struct hist_bin){ .bucket = i, .count = h->buckets[i] };
	*out = b;
	return n;
}

void hist_add_bins(struct hist *into, const struct hist_bin *bins, size_t n, uint64_t max)
{
	for (size_t k = 0; k < n; k++) {
		if (bins[k].bucket >= HIST_BUCKETS)
			continue;
		into->buckets[bins[k].bucket] += bins[k].count;
		into->count += bins[k].count;
	}
	if (n && max > into->max)
		into->max = max;
}
