/*
 * report.h - the matrix as JSON (schema urt-faults/1, see README.md) and as
 * a Markdown table.
 */
#ifndef URT_FAULTS_REPORT_H
#define URT_FAULTS_REPORT_H

#include "cell.h"
#include "toolbox.h"

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
	uint64_t not_exercised; /* of the failed: no fault was injected */
	uint64_t ops, faulted_ops, bytes_verified, corrupted_bytes, lost_ops, doubled_ops;
};

/* What the cell reports as "retries": the runtime's own, invisible to callers. */
uint64_t report_retries(const struct cell_outcome *o);
void report_totals(const struct matrix_entry *e, size_t n, struct report_totals *t);
/* Writes the JSON into out (begun with tb_publish_begin before the run, so
 * an unwritable output is found before the work) and gives it path's name:
 * a reader never sees half a file, and without force an existing path is
 * never replaced (-EEXIST).  The temporary file is removed either way.
 * out NULL: the JSON goes to the stream to instead (--json -: standard
 * output), flushed.  0, or -errno. */
int report_json(struct tb_publish *out, FILE *to, const char *path, bool force, const struct report_meta *m,
		const struct matrix_entry *e, size_t n);
/* The same cells as JUnit XML (one testcase per cell, class = fault point,
 * a <failure> with the reason and the replay command for a failed, hung or
 * not-exercised cell), published like report_json.  0, or -errno. */
int report_junit(struct tb_publish *out, FILE *to, const char *path, bool force, const struct matrix_entry *e, size_t n);
void report_markdown(FILE *f, const struct matrix_entry *e, size_t n);

#endif
