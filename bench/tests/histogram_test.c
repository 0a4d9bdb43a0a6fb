/*
 * histogram_test.c - the log-linear histogram keeps its promise: every
 * percentile within 1 % of the exact one, from nanoseconds to seconds.
 */
#include "../histogram.h"
#include "workload_data.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The exact percentile with the same rank rule as hist_percentile. */
static uint64_t exact(const uint64_t *sorted, size_t n, double q)
{
	double want = q * (double)n;
	size_t rank = (size_t)want;
	if ((double)rank < want || rank == 0)
		rank++;
	return sorted[rank - 1];
}

int main(void)
{
	enum { N = 200000 };
	static uint64_t v[N];
	static struct hist h, merged, half, from_bins;
	uint64_t rng = 42;
	hist_init(&h);
	hist_init(&merged);
	hist_init(&half);
	for (size_t i = 0; i < N; i++) {
		/* log-uniform from 1 ns to ~4 s: every octave gets samples */
		unsigned bits = (unsigned)wd_below(&rng, 32);
		v[i] = (1ull << bits) + wd_below(&rng, 1ull << bits);
		hist_record(&h, v[i]);
		hist_record(i % 2 ? &merged : &half, v[i]);
	}
	/* The two halves again, through their non-empty buckets only (how the
	 * interval log merges its per-thread intervals). */
	hist_init(&from_bins);
	const struct hist *halves[] = { &merged, &half };
	for (int k = 0; k < 2; k++) {
		struct hist_bin *bins;
		long n = hist_bins(halves[k], &bins);
		if (n <= 0) {
			fprintf(stderr, "hist_bins: %ld\n", n);
			return 1;
		}
		hist_add_bins(&from_bins, bins, (size_t)n, halves[k]->max);
		free(bins);
	}
	hist_merge(&merged, &half);
	qsort(v, N, sizeof(v[0]), cmp_u64);
	static const double qs[] = { 0.0001, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999, 1.0 };
	int failures = 0;
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t want = exact(v, N, qs[i]);
		uint64_t got = hist_percentile(&h, qs[i]);
		uint64_t got_merged = hist_percentile(&merged, qs[i]);
		uint64_t got_bins = hist_percentile(&from_bins, qs[i]);
		double err = (double)(got > want ? got - want : want - got) / (double)want;
		if (err > 0.01 || got < want || got_merged != got || got_bins != got) {
			fprintf(stderr, "q=%g: exact %" PRIu64 ", histogram %" PRIu64 " (merged %" PRIu64 ", from bins %" PRIu64 "), error %.4f\n",
				qs[i], want, got, got_merged, got_bins, err);
			failures++;
		}
	}
	if (h.min != v[0] || h.max != v[N - 1] || h.count != N) {
		fprintf(stderr, "min/max/count wrong\n");
		failures++;
	}
	/* Bucket bounds are contiguous and increasing: no value falls between. */
	for (unsigned i = 1; i < HIST_BUCKETS; i++) {
		if (hist_bucket_upper(i) <= hist_bucket_upper(i - 1)) {
			fprintf(stderr, "bucket %u upper bound not increasing\n", i);
			failures++;
			break;
		}
	}
	struct hist empty;
	hist_init(&empty);
	struct hist_bin *none;
	if (hist_percentile(&empty, 0.5) != 0 || hist_bins(&empty, &none) != 0 || none) {
		fprintf(stderr, "empty histogram percentile not 0\n");
		failures++;
	}
	if (failures)
		return 1;
	printf("histogram: %d quantiles within 1%% over 1 ns .. 4 s\n", (int)(sizeof(qs) / sizeof(qs[0])));
	return 0;
}
