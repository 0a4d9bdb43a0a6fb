/*
 * log.c - what happened, for people: each fault and control event as one
 * line "#SEQ EVENT", appended to --log FILE (flushed per line, so a killed
 * daemon leaves a complete log) and kept in a ring of the last RING lines
 * that /.faultfs/log shows under the per-rule counts.
 */
#include "faultfs.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define RING 256
#define LINE 320

static char ring[RING][LINE];
static uint64_t seq;

void ffs_log(const char *fmt, ...)
{
	char *line = ring[seq % RING];
	int n = snprintf(line, LINE, "#%llu ", (unsigned long long)seq + 1);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, LINE - (size_t)n, fmt, ap);
	va_end(ap);
	seq++;
	if (ffs_g.log) {
		fprintf(ffs_g.log, "%s\n", line);
		fflush(ffs_g.log);
	}
}

void ffs_log_close(void)
{
	if (ffs_g.log)
		fclose(ffs_g.log);
	ffs_g.log = NULL;
}

/* A growing string. */
struct sb {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = b->oom ? -1 : vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap + (size_t)n + 1) * 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			b->oom = true;
			return;
		}
		b->s = s;
		b->cap = cap;
	}
}

char *ffs_log_render(size_t *len)
{
	struct sb b = { 0 };
	uint64_t files, bytes;
	ffs_lazy_stats(&files, &bytes);
	sb_printf(&b, "seed %llu\nlazy %s\nfaults %llu\ncrashes %llu\nsyncs %llu\nunsynced_files %llu\nunsynced_bytes %llu\n",
		  (unsigned long long)ffs_g.seed, ffs_g.lazy ? "yes" : "no", (unsigned long long)ffs_g.faults,
		  (unsigned long long)ffs_g.crashes, (unsigned long long)ffs_g.syncs, (unsigned long long)files,
		  (unsigned long long)bytes);
	for (size_t i = 0; i < ffs_g.rules.n; i++)
		sb_printf(&b, "rule %zu matched=%llu fired=%llu: %s\n", i, (unsigned long long)ffs_g.rules.v[i].matched,
			  (unsigned long long)ffs_g.rules.v[i].fired, ffs_g.rules.v[i].text);
	uint64_t first = seq > RING ? seq - RING : 0;
	sb_printf(&b, "events %llu (the last %llu follow)\n", (unsigned long long)seq,
		  (unsigned long long)(seq - first));
	for (uint64_t i = first; i < seq; i++)
		sb_printf(&b, "%s\n", ring[i % RING]);
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}
