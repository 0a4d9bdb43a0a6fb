/*
 * tb_parse.c - numbers and lists from a command line, with one set of rules
 * for every tool (see toolbox.h).
 */
#include "toolbox.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int tb_parse_u64(const char *s, uint64_t lo, uint64_t hi, unsigned flags, uint64_t *out)
{
	/* strtoull alone takes a sign, leading space and "-1" as UINT64_MAX. */
	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	int saved = errno;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	int overflow = errno == ERANGE;
	errno = saved;
	unsigned shift = 0;
	if (*end && (flags & TB_SIZE)) {
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return -EINVAL;
		}
		end++;
	}
	if (*end)
		return -EINVAL;
	if (overflow || (shift && v > (UINT64_MAX >> shift)))
		return -ERANGE;
	v <<= shift;
	if (v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int tb_parse_double(const char *s, double lo, double hi, double *out)
{
	/* strtod also takes hex floats, inf and nan: a command-line number here
	 * is decimal, so anything else is junk. */
	if (!s || !*s || s[strspn(s, "0123456789+-.eE")] != '\0' || strpbrk(s, "xX"))
		return -EINVAL;
	int saved = errno;
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	int overflow = errno == ERANGE;
	errno = saved;
	if (end == s || *end || isnan(v))
		return -EINVAL;
	if ((overflow && v != 0) || isinf(v) || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int tb_list_split(struct tb_list *l, const char *s, unsigned max)
{
	memset(l, 0, sizeof(*l));
	size_t len = strlen(s);
	l->buf = malloc(len + 1);
	l->item = calloc(max ? max : 1, sizeof(*l->item));
	if (!l->buf || !l->item)
		return -ENOMEM;
	memcpy(l->buf, s, len + 1);
	for (char *p = l->buf;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p)
			return -EINVAL;
		if (l->n == max)
			return -E2BIG;
		l->item[l->n++] = p;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

void tb_list_free(struct tb_list *l)
{
	free(l->buf);
	free(l->item);
	memset(l, 0, sizeof(*l));
}
