/*
 * histogram.h - a log-linear latency histogram in the HdrHistogram / fio
 * "plat" style: exact below 256 ns, then 128 linear buckets per power of
 * two, so a bucket is never wider than 1/128 of its lower bound (< 0.8 %
 * error) from 1 ns up to about 18 minutes.  Recording is one shift and one
 * increment; no allocation after init.
 */
#ifndef BENCH_HISTOGRAM_H
#define BENCH_HISTOGRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HIST_EXACT_BITS 8                       /* values < 256 get a bucket each */
#define HIST_SUB_BITS (HIST_EXACT_BITS - 1)     /* 128 buckets per octave above */
#define HIST_MAX_BIT 40                         /* 2^40 ns ~ 18 min; larger values clamp */
#define HIST_BUCKETS ((1u << HIST_EXACT_BITS) + (HIST_MAX_BIT - HIST_EXACT_BITS + 1) * (1u << HIST_SUB_BITS))

struct hist {
	uint64_t count;
	uint64_t min, max;
	double sum;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, uint64_t ns);
void hist_merge(struct hist *into, const struct hist *from);
/* The largest value that falls in bucket i: what a percentile reports. */
uint64_t hist_bucket_upper(unsigned i);
/* The value below which q (0..1) of the samples fall, as a bucket's upper
 * bound clamped to the exact max; 0 on an empty histogram. */
uint64_t hist_percentile(const struct hist *h, double q);

/* A histogram kept small: its non-empty buckets only (one per interval of
 * --interval-log, merged across threads afterwards). */
struct hist_bin {
	uint32_t bucket;
	uint64_t count;
};
/* h's non-empty buckets in a new array (*out, the caller frees it; NULL
 * when there are none): their number, or -ENOMEM. */
long hist_bins(const struct hist *h, struct hist_bin **out);
/* Adds n bins and their exact max to into: counts, max and percentiles
 * come out as from hist_merge; sum and min do not (the bins lack them). */
void hist_add_bins(struct hist *into, const struct hist_bin *bins, size_t n, uint64_t max);

#endif
