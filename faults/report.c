/*
 * report.c - writes the matrix: JSON for the report script, Markdown for
 * people and CI job summaries.
 */
#include "report.h"
#include "build_stamp.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef URT_FAULTS_SOURCE_DIR
#define URT_FAULTS_SOURCE_DIR "."
#endif
#ifndef URT_FAULTS_BUILD_TYPE
#define URT_FAULTS_BUILD_TYPE "unknown"
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BUILD_FLAVOUR URT_FAULTS_BUILD_TYPE "+asan"
#else
#define BUILD_FLAVOUR URT_FAULTS_BUILD_TYPE
#endif

static const char *const status_names[] = { "pass", "fail", "hang" };

uint64_t report_retries(const struct cell_outcome *o)
{
	return o->r.stats.op_retries + o->r.stats.submit_retries;
}

void report_totals(const struct matrix_entry *e, size_t n, struct report_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < n; i++) {
		const struct cell_outcome *o = &e[i].out;
		t->cells++;
		t->passed += o->status == CELL_PASS;
		t->failed += o->status == CELL_FAIL;
		t->hangs += o->status == CELL_HANG;
		t->not_exercised += o->not_exercised;
		t->ops += o->r.ops;
		t->faulted_ops += o->r.stats.ops_started;
		t->bytes_verified += o->r.bytes_verified;
		t->corrupted_bytes += o->r.corrupted_bytes;
		t->lost_ops += o->r.lost_ops;
		t->doubled_ops += o->r.doubled_ops;
	}
}

static const char *flag_names(unsigned flags)
{
	if (flags & URT_DEFER_TASKRUN)
		return "defer_taskrun";
	if (flags & URT_COOP_TASKRUN)
		return "coop_taskrun";
	return "none";
}

static void write_cell(FILE *f, const struct matrix_entry *e)
{
	const struct cell_outcome *o = &e->out;
	const struct wl_result *r = &o->r;
	fprintf(f, "    {\"point\": ");
	tb_json_string(f, urt_fault_name(e->spec.point));
	fprintf(f, ", \"workload\": ");
	tb_json_string(f, e->spec.wl->name);
	fprintf(f, ", \"probability\": %g, \"failnum\": %d, \"seed\": %" PRIu64 ",\n", e->spec.prob, e->spec.failnum,
		o->seed);
	fprintf(f,
		"     \"ops\": %" PRIu64 ", \"faulted_ops\": %" PRIu64 ", \"bytes_verified\": %" PRIu64
		", \"corrupted_bytes\": %" PRIu64 ", \"lost_ops\": %" PRIu64 ", \"doubled_ops\": %" PRIu64 ",\n",
		r->ops, r->stats.ops_started, r->bytes_verified, r->corrupted_bytes, r->lost_ops, r->doubled_ops);
	fprintf(f, "     \"faults_injected\": {");
	for (int p = 0; p < URT_FAULT_COUNT; p++) {
		uint64_t n = r->stats.faults[p] + (p == URT_FAULT_ALLOC ? r->create_enomem : 0);
		fprintf(f, "%s", p ? ", " : "");
		tb_json_string(f, urt_fault_name((enum urt_fault_point)p));
		fprintf(f, ": %" PRIu64, n);
	}
	fprintf(f, "},\n");
	fprintf(f,
		"     \"retries\": %" PRIu64 ", \"errors_surfaced\": %" PRIu64 ", \"op_errors_injected\": %" PRIu64
		", \"op_errors_delivered\": %" PRIu64 ", \"seconds\": %.6f,\n",
		report_retries(o), r->stats.errors_surfaced, r->stats.faults[URT_FAULT_OP_ERROR], r->eio_seen,
		o->seconds);
	fprintf(f,
		"     \"expect_errors\": %s, \"errors_seen\": %" PRIu64 ", \"workload_retries\": %" PRIu64
		", \"op_retries\": %" PRIu64 ", \"submit_retries\": %" PRIu64 ", \"sq_full\": %" PRIu64
		", \"cq_overflow_flushes\": %" PRIu64 ", \"enter_calls\": %" PRIu64 ", \"bytes_expected\": %" PRIu64
		", \"submit_batch\": %u, \"ring_flags\": \"%s\",\n",
		cell_expects_errors(&e->spec) ? "true" : "false", r->errors_seen, r->workload_retries,
		r->stats.op_retries, r->stats.submit_retries, r->stats.sq_full, r->stats.cq_overflow_flushes,
		r->stats.enter_calls, r->bytes_expected, r->submit_batch, flag_names(r->ring_flags));
	fprintf(f, "     \"ring\": \"%s\", \"rounds\": %u, \"not_exercised\": %s,\n", wl_ring_names[e->spec.ring],
		o->rounds, o->not_exercised ? "true" : "false");
	fprintf(f, "     \"status\": \"%s\", \"reason\": ", status_names[o->status]);
	tb_json_string(f, o->status == CELL_PASS ? NULL : o->reason);
	fprintf(f, ", \"replay\": ");
	tb_json_string(f, e->replay);
	fprintf(f, "}");
}

int report_json(struct tb_publish *out, FILE *to, const char *path, bool force, const struct report_meta *m,
		const struct matrix_entry *e, size_t n)
{
	FILE *f = out ? tb_publish_fdopen(out) : to;
	if (!f)
		return -errno;
	struct utsname u;
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	/* The revision the binary was built from, not what the tree holds now. */
	const char *git = build_stamp_git();

	fprintf(f, "{\"schema\": \"urt-faults/1\",\n \"meta\": {\"started\": ");
	tb_json_string(f, m->started);
	fprintf(f, ", \"host\": ");
	tb_json_string(f, u.nodename);
	fprintf(f, ", \"kernel\": ");
	tb_json_string(f, u.release);
	fprintf(f, ", \"git\": ");
	tb_json_string(f, git);
	fprintf(f, ", \"build\": ");
	tb_json_string(f, BUILD_FLAVOUR);
	fprintf(f, ",\n  \"argv\": [");
	for (int i = 0; i < m->argc; i++) {
		fprintf(f, "%s", i ? ", " : "");
		tb_json_string(f, m->argv[i]);
	}
	fprintf(f, "], \"seed\": %" PRIu64 ", \"scale\": %g},\n \"cells\": [\n", m->seed, m->scale);
	for (size_t i = 0; i < n; i++) {
		write_cell(f, &e[i]);
		fprintf(f, "%s\n", i + 1 < n ? "," : "");
	}
	struct report_totals t;
	report_totals(e, n, &t);
	fprintf(f,
		" ],\n \"totals\": {\"cells\": %" PRIu64 ", \"passed\": %" PRIu64 ", \"failed\": %" PRIu64
		", \"hangs\": %" PRIu64 ", \"not_exercised\": %" PRIu64 ", \"ops\": %" PRIu64 ", \"faulted_ops\": %" PRIu64
		", \"bytes_verified\": %" PRIu64 ", \"corrupted_bytes\": %" PRIu64 ", \"lost_ops\": %" PRIu64
		", \"doubled_ops\": %" PRIu64 "}}\n",
		t.cells, t.passed, t.failed, t.hangs, t.not_exercised, t.ops, t.faulted_ops, t.bytes_verified,
		t.corrupted_bytes, t.lost_ops, t.doubled_ops);
	if (!out)
		return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
	return tb_publish_commit(out, f, path, TB_FSYNC | (force ? TB_REPLACE : 0));
}

/* XML character data: the five specials escaped; bytes XML 1.0 cannot hold
 * (control characters other than tab and newline) become '?'. */
static void xml_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*p < 0x20 && *p != '\t' && *p != '\n' ? '?' : *p, f);
		}
	}
}

int report_junit(struct tb_publish *out, FILE *to, const char *path, bool force, const struct matrix_entry *e, size_t n)
{
	FILE *f = out ? tb_publish_fdopen(out) : to;
	if (!f)
		return -errno;
	struct report_totals t;
	report_totals(e, n, &t);
	double total = 0;
	for (size_t i = 0; i < n; i++)
		total += e[i].out.seconds;
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites>\n <testsuite name=\"urt-faults\" tests=\"%zu\" failures=\"%" PRIu64
		   "\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
		n, t.failed + t.hangs, total);
	for (size_t i = 0; i < n; i++) {
		const struct cell_spec *c = &e[i].spec;
		const struct cell_outcome *o = &e[i].out;
		char name[160];
		snprintf(name, sizeof(name), "%s%s%s p=%g failnum=%d", c->wl->name, c->ring ? "/" : "",
			 c->ring ? wl_ring_names[c->ring] : "", c->prob, c->failnum);
		fputs("  <testcase classname=\"", f);
		xml_text(f, urt_fault_name(c->point));
		fputs("\" name=\"", f);
		xml_text(f, name);
		fprintf(f, "\" time=\"%.3f\"", o->seconds);
		if (o->status == CELL_PASS) {
			fputs("/>\n", f);
			continue;
		}
		const char *kind = o->not_exercised ? "not exercised" : o->status == CELL_HANG ? "hang" : "fail";
		fprintf(f, ">\n   <failure type=\"%s\" message=\"", kind);
		xml_text(f, o->reason);
		fputs("\">replay: ", f);
		xml_text(f, e[i].replay);
		fputs("</failure>\n  </testcase>\n", f);
	}
	fputs(" </testsuite>\n</testsuites>\n", f);
	if (!out)
		return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
	return tb_publish_commit(out, f, path, TB_FSYNC | (force ? TB_REPLACE : 0));
}

void report_markdown(FILE *f, const struct matrix_entry *e, size_t n)
{
	fprintf(f, "| point | workload | p | failnum | ops | faulted ops | bytes verified | corrupt | lost | doubled "
		   "| injected | retries | errors | s | status |\n");
	fprintf(f, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
	for (size_t i = 0; i < n; i++) {
		const struct cell_outcome *o = &e[i].out;
		const char *status = o->not_exercised ? "not exercised" : status_names[o->status];
		fprintf(f,
			"| %s | %s%s%s | %g | %d | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64
			" | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %" PRIu64 " | %.2f | %s |\n",
			urt_fault_name(e[i].spec.point), e[i].spec.wl->name, e[i].spec.ring ? "/" : "",
			e[i].spec.ring ? wl_ring_names[e[i].spec.ring] : "", e[i].spec.prob, e[i].spec.failnum,
			o->r.ops, o->r.stats.ops_started, o->r.bytes_verified, o->r.corrupted_bytes, o->r.lost_ops,
			o->r.doubled_ops, o->injected, report_retries(o), o->r.errors_seen, o->seconds, status);
	}
	struct report_totals t;
	report_totals(e, n, &t);
	fprintf(f,
		"\n**Totals:** %" PRIu64 " cells, %" PRIu64 " passed, %" PRIu64 " failed (%" PRIu64
		" not exercised), %" PRIu64 " hangs; %" PRIu64 " operations under faults (%" PRIu64 " workload operations), %" PRIu64
		" bytes verified, %" PRIu64 " corrupted, %" PRIu64 " lost, %" PRIu64 " doubled.\n",
		t.cells, t.passed, t.failed, t.not_exercised, t.hangs, t.faulted_ops, t.ops, t.bytes_verified,
		t.corrupted_bytes, t.lost_ops, t.doubled_ops);
}
