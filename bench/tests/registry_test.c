/*
 * registry_test.c - backends registered in any order are listed by rank,
 * found by name, and a second backend of one name is refused; every
 * workload row is consistent (a pipe or nop uses no file, fio's rw only
 * for file workloads).  Exit 0 all passed, 1 a check failed.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(cond)                                                                                   \
	do {                                                                                          \
		if (!(cond)) {                                                                        \
			fprintf(stderr, "%s:%d: FAILED %s\n", __FILE__, __LINE__, #cond);             \
			failures++;                                                                   \
		}                                                                                     \
	} while (0)

static const struct bench_backend late = { .name = "late", .rank = 30 };
static const struct bench_backend early = { .name = "early", .rank = 10 };
static const struct bench_backend middle = { .name = "middle", .rank = 20 };
static const struct bench_backend again = { .name = "middle", .rank = 5 };
BENCH_BACKEND(late)
BENCH_BACKEND(early)

int main(void)
{
	/* Constructors ran before main, in link order; now one more. */
	bench_register_backend(&middle);
	CHECK(bench_backend_at(0) == &early);
	CHECK(bench_backend_at(1) == &middle);
	CHECK(bench_backend_at(2) == &late);
	CHECK(bench_backend_at(3) == NULL);
	CHECK(bench_backend_find("late") == &late);
	CHECK(bench_backend_find("nope") == NULL);
	bench_register_backend(&again); /* a second "middle": refused, with a message */
	CHECK(bench_backend_find("middle") == &middle && bench_backend_at(3) == NULL);

	CHECK(workload_count >= 1);
	for (unsigned i = 0; i < workload_count; i++) {
		const struct workload *w = &workload_table[i];
		CHECK(workload_find(w->name) == w);
		CHECK(!(w->pipe && w->uses_file));
		CHECK(!w->writes || w->uses_file);
		CHECK(!w->fio_rw || w->uses_file);
		for (unsigned k = 0; k < i; k++)
			CHECK(strcmp(workload_table[k].name, w->name) != 0);
	}
	CHECK(workload_find("nope") == NULL);
	if (failures)
		return 1;
	puts("registry: all checks passed");
	return 0;
}
