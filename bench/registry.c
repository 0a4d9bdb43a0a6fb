/*
 * registry.c - what urt-bench can run: the workload table (adding a
 * workload is adding a row here) and the backends, which register
 * themselves from their own files (BENCH_BACKEND in bench.h).  Usage text,
 * error text and --list-backends/--list-workloads are made from these.
 */
#include "bench.h"

#include <stdio.h>
#include <string.h>

const struct workload workload_table[] = {
	/* name         file   writes random pipe   fio rw */
	{ "nop",       false, false, false, false, NULL },
	{ "randread",  true,  false, true,  false, "randread" },
	{ "seqread",   true,  false, false, false, "read" },
	{ "randwrite", true,  true,  true,  false, "randwrite" },
	{ "seqwrite",  true,  true,  false, false, "write" },
	{ "pipe",      false, false, false, true,  NULL },
};
const unsigned workload_count = sizeof(workload_table) / sizeof(workload_table[0]);

const struct workload *workload_find(const char *name)
{
	for (unsigned i = 0; i < workload_count; i++)
		if (strcmp(name, workload_table[i].name) == 0)
			return &workload_table[i];
	return NULL;
}

static const struct bench_backend *backends[BENCH_BACKENDS_MAX];
static unsigned n_backends;

/* Runs before main(), in whatever order the constructors run: kept sorted
 * by rank so listings do not depend on link order. */
void bench_register_backend(const struct bench_backend *b)
{
	if (n_backends == BENCH_BACKENDS_MAX || bench_backend_find(b->name)) {
		fprintf(stderr, "urt-bench: backend '%s' registered twice or too many backends\n", b->name);
		return;
	}
	unsigned i = n_backends++;
	for (; i > 0 && backends[i - 1]->rank > b->rank; i--)
		backends[i] = backends[i - 1];
	backends[i] = b;
}

const struct bench_backend *bench_backend_at(unsigned i)
{
	return i < n_backends ? backends[i] : NULL;
}

const struct bench_backend *bench_backend_find(const char *name)
{
	for (unsigned i = 0; i < n_backends; i++)
		if (strcmp(name, backends[i]->name) == 0)
			return backends[i];
	return NULL;
}
