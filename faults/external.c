/*
 * external.c - --external: verifying workloads for a while, with the fault
 * points left to whoever controls libfiu from outside (fiu-run's -c at
 * start, fiu-ctrl while it runs).  The program enables nothing itself: the
 * runtime arms its points at urt_create because fiu-run put FIU_ENABLE and
 * FIU_CTRL_FIFO in the environment.
 *
 * Any error a point can make is repeated, every byte is still verified, and
 * a progress line with the cumulative fault counts shows when fiu-ctrl's
 * commands took effect.
 */
#include "modes.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_counts(const char *label, double t, unsigned rounds, const struct wl_result *sum)
{
	printf("%s seconds=%.2f rounds=%u faulted_ops=%" PRIu64 " bytes_verified=%" PRIu64 " corrupted=%" PRIu64
	       " lost=%" PRIu64 " doubled=%" PRIu64 " errors_seen=%" PRIu64 " op_errors_delivered=%" PRIu64,
	       label, t, rounds, sum->stats.ops_started, sum->bytes_verified, sum->corrupted_bytes, sum->lost_ops,
	       sum->doubled_ops, sum->errors_seen, sum->eio_seen);
	for (int p = 0; p < URT_FAULT_COUNT; p++)
		printf(" %s=%" PRIu64, urt_fault_name((enum urt_fault_point)p),
		       sum->stats.faults[p] + (p == URT_FAULT_ALLOC ? sum->create_enomem : 0));
	printf("\n");
	fflush(stdout);
}

int external_main(const struct suite_opts *so, double seconds, const struct wl_desc *const *wls, unsigned nwl,
		  char **expect)
{
	static const struct wl_desc *defaults[64];
	if (nwl == 0) {
		/* The rows marked for it (wl_table); registry.c has at least one. */
		for (unsigned i = 0; i < wl_count && nwl < 64; i++)
			if (wl_table[i].external)
				defaults[nwl++] = &wl_table[i];
		wls = defaults;
	}
	signal(SIGPIPE, SIG_IGN);
	struct wl_result sum;
	memset(&sum, 0, sizeof(sum));
	double t0 = now(), last_print = 0;
	unsigned rounds = 0;
	int status = 0;
	while (now() - t0 < seconds) {
		const struct wl_desc *wl = wls[rounds % nwl];
		struct wl_params p = {
			.seed = so->seed + rounds,
			.scale = so->scale,
			.any_error_retryable = true,
			.dir = so->dir,
		};
		struct wl_result r;
		memset(&r, 0, sizeof(r));
		struct wl_run run = { .p = &p, .r = &r, .prng = p.seed };
		wl->fn(&run);
		rounds++;
		uint64_t *acc = (uint64_t *)&sum.stats;
		const uint64_t *add = (const uint64_t *)&r.stats;
		for (size_t i = 0; i < sizeof(r.stats) / sizeof(uint64_t); i++)
			acc[i] += add[i];
		sum.bytes_verified += r.bytes_verified;
		sum.bytes_expected += r.bytes_expected;
		sum.corrupted_bytes += r.corrupted_bytes;
		sum.lost_ops += r.lost_ops;
		sum.doubled_ops += r.doubled_ops;
		sum.errors_seen += r.errors_seen;
		sum.eio_seen += r.eio_seen;
		sum.create_enomem += r.create_enomem;
		const char *why = r.failed ? r.reason : NULL;
		char buf[160];
		if (!why && r.bytes_verified != r.bytes_expected) {
			snprintf(buf, sizeof(buf), "verified %" PRIu64 " bytes of %" PRIu64, r.bytes_verified,
				 r.bytes_expected);
			why = buf;
		}
		if (!why && r.eio_seen != r.stats.faults[URT_FAULT_OP_ERROR]) {
			snprintf(buf, sizeof(buf), "%" PRIu64 " urt/op/error injected, %" PRIu64 " delivered",
				 r.stats.faults[URT_FAULT_OP_ERROR], r.eio_seen);
			why = buf;
		}
		if (why) {
			printf("FAIL round %u (%s, seed %" PRIu64 "): %s\n", rounds, wl->name, p.seed, why);
			status = 1;
			break;
		}
		double t = now() - t0;
		if (t - last_print >= 0.25) {
			print_counts("progress", t, rounds, &sum);
			last_print = t;
		}
	}
	print_counts("final", now() - t0, rounds, &sum);
	for (char **e = expect; e && *e; e++) {
		int p = cell_point_by_name(*e);
		uint64_t n = sum.stats.faults[p] + (p == URT_FAULT_ALLOC ? sum.create_enomem : 0);
		if (n == 0) {
			printf("FAIL: %s never fired (is the program running under fiu-run?)\n", *e);
			status = 1;
		}
	}
	if (status == 0)
		printf("external: pass, %u rounds, every byte verified\n", rounds);
	return status;
}
