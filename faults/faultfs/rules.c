/*
 * rules.c - the rules file: one rule per line.
 *
 *   OPS GLOB KEY=VALUE...        # a comment runs to the end of the line
 *
 * OPS: comma-separated operation names (open read write fsync flush getattr
 * truncate unlink rename mkdir rmdir readdir), or `*` for all.  GLOB: an
 * fnmatch(3) pattern over the path inside the mount, `*` crossing `/`.
 * What to do (at least one): error=EIO (a name or a number), short=N (keep
 * N bytes) or short=random, delay=5ms | delay=uniform:1ms:20ms |
 * delay=exp:2ms (mean); units ns us ms s.  When: p=0.1 (default 1),
 * nth=N (only the rule's Nth matching call), after=N (skip the first N),
 * count=N (at most N faults).
 */
#include "faultfs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[FFS_OP_COUNT] = {
	"open", "read", "write", "fsync", "flush", "getattr", "truncate", "unlink", "rename", "mkdir", "rmdir", "readdir",
};

const char *ffs_op_name(enum ffs_op op)
{
	return op >= 0 && op < FFS_OP_COUNT ? op_names[op] : "?";
}

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EIO", EIO },       { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT }, { "EINTR", EINTR },
	{ "EAGAIN", EAGAIN }, { "EROFS", EROFS },   { "EFBIG", EFBIG },   { "EPERM", EPERM },
	{ "EACCES", EACCES }, { "ENOENT", ENOENT }, { "ENOMEM", ENOMEM }, { "EBUSY", EBUSY },
	{ "ETIMEDOUT", ETIMEDOUT }, { "ENXIO", ENXIO }, { "ESTALE", ESTALE }, { "EMFILE", EMFILE },
};

static int bad(char *err, size_t size, unsigned line, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int bad(char *err, size_t size, unsigned line, const char *fmt, ...)
{
	int n = snprintf(err, size, "line %u: ", line);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < size)
		vsnprintf(err + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (!*s || *s == '-' || errno || *end)
		return -1;
	*v = x;
	return 0;
}

/* "5ms" -> ns. */
static int parse_duration(const char *s, uint64_t *ns)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !(v >= 0))
		return -1;
	double mul;
	if (strcmp(end, "ns") == 0)
		mul = 1;
	else if (strcmp(end, "us") == 0)
		mul = 1e3;
	else if (strcmp(end, "ms") == 0)
		mul = 1e6;
	else if (strcmp(end, "s") == 0)
		mul = 1e9;
	else
		return -1;
	if (v * mul > 3600e9) /* an hour: more is a typo, and would look like a hang */
		return -1;
	*ns = (uint64_t)(v * mul);
	return 0;
}

static int parse_errno(const char *s)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(errnos[i].name, s) == 0)
			return errnos[i].err;
	uint64_t v;
	if (parse_u64(s, &v) == 0 && v > 0 && v < 4096)
		return (int)v;
	return -1;
}

static int parse_ops(const char *s, uint32_t *mask)
{
	if (strcmp(s, "*") == 0) {
		*mask = (1u << FFS_OP_COUNT) - 1;
		return 0;
	}
	*mask = 0;
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%s", s);
	char *save;
	for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int found = -1;
		for (int i = 0; i < FFS_OP_COUNT; i++)
			if (strcmp(op_names[i], t) == 0)
				found = i;
		if (found < 0)
			return -1;
		*mask |= 1u << found;
	}
	return *mask ? 0 : -1;
}

/* One rule from one line (already stripped of its comment); 1 parsed,
 * 0 blank, -1 bad. */
static int parse_line(char *line, unsigned lineno, struct ffs_rule *r, char *err, size_t errsize)
{
	char *save, *tok[32];
	unsigned n = 0;
	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == 32)
			return bad(err, errsize, lineno, "too many words");
		tok[n++] = t;
	}
	if (n == 0)
		return 0;
	if (n < 3)
		return bad(err, errsize, lineno, "want OPS GLOB KEY=VALUE..., got %u word(s)", n);
	*r = (struct ffs_rule){ .p = 1.0 };
	if (parse_ops(tok[0], &r->ops) < 0)
		return bad(err, errsize, lineno, "unknown operation in '%s'", tok[0]);
	if (tok[1][0] != '/' && tok[1][0] != '*')
		return bad(err, errsize, lineno, "the glob '%s' must start with / or *", tok[1]);
	for (unsigned i = 2; i < n; i++) {
		char *eq = strchr(tok[i], '=');
		if (!eq || eq == tok[i] || !eq[1])
			return bad(err, errsize, lineno, "'%s' is not KEY=VALUE", tok[i]);
		*eq = '\0';
		const char *k = tok[i], *v = eq + 1;
		if (strcmp(k, "error") == 0) {
			if ((r->err = parse_errno(v)) < 0)
				return bad(err, errsize, lineno, "unknown errno '%s'", v);
		} else if (strcmp(k, "short") == 0) {
			r->cut = true;
			if (strcmp(v, "random") != 0 && (parse_u64(v, &r->cut_len) < 0 || r->cut_len == 0))
				return bad(err, errsize, lineno, "short wants a byte count >= 1 or 'random', got '%s'", v);
		} else if (strcmp(k, "delay") == 0) {
			char tmp[128];
			snprintf(tmp, sizeof(tmp), "%s", v);
			char *a = strchr(tmp, ':'), *b = a ? strchr(a + 1, ':') : NULL;
			if (a)
				*a++ = '\0';
			if (b)
				*b++ = '\0';
			bool ok;
			if (!a) {
				r->delay = FFS_DELAY_FIXED;
				ok = parse_duration(tmp, &r->delay_a) == 0;
			} else if (strcmp(tmp, "uniform") == 0 && b) {
				r->delay = FFS_DELAY_UNIFORM;
				ok = parse_duration(a, &r->delay_a) == 0 && parse_duration(b, &r->delay_b) == 0 &&
				     r->delay_a <= r->delay_b;
			} else if (strcmp(tmp, "exp") == 0 && !b) {
				r->delay = FFS_DELAY_EXP;
				ok = parse_duration(a, &r->delay_a) == 0;
			} else {
				ok = false;
			}
			if (!ok)
				return bad(err, errsize, lineno,
					   "delay wants 5ms, uniform:MIN:MAX or exp:MEAN (ns us ms s, at most 1 h), got '%s'", v);
		} else if (strcmp(k, "p") == 0) {
			char *end;
			errno = 0;
			r->p = strtod(v, &end);
			if (errno || *end || !(r->p > 0 && r->p <= 1))
				return bad(err, errsize, lineno, "p wants a number in (0, 1], got '%s'", v);
		} else if (strcmp(k, "nth") == 0) {
			if (parse_u64(v, &r->nth) < 0 || r->nth == 0)
				return bad(err, errsize, lineno, "nth wants an integer >= 1, got '%s'", v);
		} else if (strcmp(k, "after") == 0) {
			if (parse_u64(v, &r->after) < 0)
				return bad(err, errsize, lineno, "after wants an integer >= 0, got '%s'", v);
		} else if (strcmp(k, "count") == 0) {
			if (parse_u64(v, &r->count) < 0 || r->count == 0)
				return bad(err, errsize, lineno, "count wants an integer >= 1, got '%s'", v);
		} else {
			return bad(err, errsize, lineno, "unknown key '%s'", k);
		}
		*eq = '=';
	}
	if (!r->err && !r->cut && r->delay == FFS_DELAY_NONE)
		return bad(err, errsize, lineno, "nothing to do: give error=, short= or delay=");
	if (r->cut && (r->ops & ~((1u << FFS_READ) | (1u << FFS_WRITE))))
		return bad(err, errsize, lineno, "short= applies to read and write only");
	if (r->cut && r->err)
		return bad(err, errsize, lineno, "a call either fails (error=) or is cut (short=), not both");
	if (!(r->glob = strdup(tok[1])))
		return bad(err, errsize, lineno, "out of memory");
	return 1;
}

int ffs_rules_parse(const char *text, struct ffs_rules *out, char *err, size_t errsize)
{
	*out = (struct ffs_rules){ 0 };
	size_t cap = 0;
	unsigned lineno = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		lineno++;
		char *line = strndup(p, len), *hash;
		p += len + (nl ? 1 : 0);
		if (!line)
			goto nomem;
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		/* The text for the log: the line without comment and outer blanks. */
		char *start = line + strspn(line, " \t");
		char *text_copy = strdup(start);
		if (!text_copy) {
			free(line);
			goto nomem;
		}
		for (size_t e = strlen(text_copy); e && strchr(" \t\r", text_copy[e - 1]); e--)
			text_copy[e - 1] = '\0';
		struct ffs_rule r;
		int ret = parse_line(line, lineno, &r, err, errsize);
		if (ret <= 0) {
			free(line);
			free(text_copy);
			if (ret < 0) {
				ffs_rules_free(out);
				return -1;
			}
			continue;
		}
		free(line);
		r.text = text_copy;
		if (out->n == cap) {
			cap = cap ? 2 * cap : 8;
			struct ffs_rule *v = realloc(out->v, cap * sizeof(*v));
			if (!v) {
				free(r.glob);
				free(r.text);
				goto nomem;
			}
			out->v = v;
		}
		out->v[out->n++] = r;
	}
	return 0;
nomem:
	ffs_rules_free(out);
	snprintf(err, errsize, "line %u: out of memory", lineno);
	return -1;
}

void ffs_rules_free(struct ffs_rules *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].glob);
		free(r->v[i].text);
	}
	free(r->v);
	*r = (struct ffs_rules){ 0 };
}
