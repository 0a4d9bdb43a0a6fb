/*
 * report.h - the matrix as JSON (schema urt-faults/1, see README.md) and as
 * a Markdown table.
 */
#ifndef URT_FAULTS_REPORT_H
#define URT_FAULTS_REPORT_H

#include "cell.h"

#include <stdio.h>

struct matrix_entry {
	struct cell_spec spec;
	struct cell_outcome out;
	char replay[1024];
};

struct report_meta {
	char started[32]; /* ISO-8601, UTC */
	int argc;
	char **argv;
	uint64_t seed;
	double scale;
};

struct report_totals {
	uint64_t cells, passed, failed, hangs;
	uint64_t ops, faulted_ops, bytes_verified, corrupted_bytes, lost_ops, doubled_ops;
};

/* What the cell reports as "retries": the runtime's own, invisible to callers. */
uint64_t report_retries(const struct cell_outcome *o);
void report_totals(const struct matrix_entry *e, size_t n, struct report_totals *t);
/* Writes the JSON next to path and renames it into place: a reader never
 * sees half a file.  0, or -errno. */
int report_json(const char *path, const struct report_meta *m, const struct matrix_entry *e, size_t n);
void report_markdown(FILE *f, const struct matrix_entry *e, size_t n);

#endif
