/*
 * decide.c - whether a call is faulted, as a pure function of (seed, rule,
 * path, operation, n), n being how many times this operation reached this
 * path since the mount.  Thread timing and other files' traffic do not
 * enter, so one program replayed with the same seed and rules meets the
 * same faults at the same calls.
 */
#include "faultfs.h"

#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct path_count {
	char *path;
	uint64_t n[FFS_OP_COUNT];
};

/* Open addressing, power-of-two size, grown at half full. */
static struct path_count *table;
static size_t table_size, table_used;

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static uint64_t mix(uint64_t x)
{
	/* splitmix64's finaliser: every input bit moves every output bit. */
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static struct path_count *slot(struct path_count *t, size_t size, const char *path, uint64_t h)
{
	for (size_t i = h & (size - 1);; i = (i + 1) & (size - 1))
		if (!t[i].path || strcmp(t[i].path, path) == 0)
			return &t[i];
}

/* The call's number n for (path, op), counting it; 0 when out of memory
 * (the call is then never faulted, which the log says). */
static uint64_t count_call(const char *path, enum ffs_op op, uint64_t h)
{
	if (2 * (table_used + 1) > table_size) {
		size_t size = table_size ? 2 * table_size : 256;
		struct path_count *t = calloc(size, sizeof(*t));
		if (!t)
			return 0;
		for (size_t i = 0; i < table_size; i++)
			if (table[i].path)
				*slot(t, size, table[i].path, fnv1a(table[i].path)) = table[i];
		free(table);
		table = t;
		table_size = size;
	}
	struct path_count *s = slot(table, table_size, path, h);
	if (!s->path) {
		if (!(s->path = strdup(path)))
			return 0;
		table_used++;
	}
	return ++s->n[op];
}

void ffs_decide_free(void)
{
	for (size_t i = 0; i < table_size; i++)
		free(table[i].path);
	free(table);
	table = NULL;
	table_size = table_used = 0;
}

/* A uniform double in [0, 1) from the call's identity and a stream number
 * (0: whether it fires, 1: the cut length, 2: the delay). */
static double draw(uint64_t path_hash, size_t rule, enum ffs_op op, uint64_t n, unsigned stream)
{
	uint64_t x = mix(ffs_g.seed ^ path_hash);
	x = mix(x ^ (rule * 0x9e3779b97f4a7c15ull));
	x = mix(x ^ ((uint64_t)op << 32 | stream));
	x = mix(x ^ n);
	return (double)(x >> 11) * 0x1p-53;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void ffs_decide(enum ffs_op op, const char *path, size_t len, struct ffs_decision *d)
{
	*d = (struct ffs_decision){ .keep = len, .rule = -1 };
	if (!path)
		path = "";
	uint64_t h = fnv1a(path);
	uint64_t n = count_call(path, op, h);
	if (n == 0) {
		ffs_log("warning: out of memory counting calls; %s %s not faulted", ffs_op_name(op), path);
		return;
	}
	for (size_t i = 0; i < ffs_g.rules.n; i++) {
		struct ffs_rule *r = &ffs_g.rules.v[i];
		if (!(r->ops & (1u << op)) || fnmatch(r->glob, path, 0) != 0)
			continue;
		uint64_t m = ++r->matched;
		if (d->rule >= 0 || m <= r->after || (r->nth && m != r->nth) || (r->count && r->fired >= r->count))
			continue;
		double u = draw(h, i, op, n, 0);
		if (u >= r->p)
			continue;
		if (r->cut && (op == FFS_READ || op == FFS_WRITE)) {
			if (len < 2)
				continue; /* one byte cannot be cut without looking like end of file */
			/* Never 0 bytes: a read of 0 means end of file, a write of 0 no progress. */
			size_t keep = r->cut_len ? (size_t)r->cut_len : 1 + (size_t)(draw(h, i, op, n, 1) * (double)(len - 1));
			if (keep >= len)
				continue;
			d->keep = keep;
		}
		r->fired++;
		ffs_g.faults++;
		d->rule = (int)i;
		d->err = r->err;
		double v = draw(h, i, op, n, 2);
		switch (r->delay) {
		case FFS_DELAY_FIXED: d->delay_ns = r->delay_a; break;
		case FFS_DELAY_UNIFORM: d->delay_ns = r->delay_a + (uint64_t)(v * (double)(r->delay_b - r->delay_a)); break;
		case FFS_DELAY_EXP: {
			double ns = -log(1.0 - v) * (double)r->delay_a;
			d->delay_ns = ns > 3600e9 ? (uint64_t)3600e9 : (uint64_t)ns;
			break;
		}
		default: break;
		}
		char what[96] = "";
		int w = 0;
		if (d->err)
			w += snprintf(what + w, sizeof(what) - (size_t)w, " error=%d(%s)", d->err, strerrorname_np(d->err) ? strerrorname_np(d->err) : "?");
		if (d->keep < len)
			w += snprintf(what + w, sizeof(what) - (size_t)w, " short=%zu/%zu", d->keep, len);
		if (d->delay_ns)
			snprintf(what + w, sizeof(what) - (size_t)w, " delay=%lluns", (unsigned long long)d->delay_ns);
		ffs_log("fault rule=%zu op=%s path=%s n=%llu%s", i, ffs_op_name(op), path, (unsigned long long)n, what);
	}
	if (d->delay_ns)
		sleep_ns(d->delay_ns);
}
