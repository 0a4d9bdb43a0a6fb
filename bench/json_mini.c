/*
 * json_mini.c - a small recursive-descent JSON reader (see json_mini.h).
 */
#include "json_mini.h"

#include <stdlib.h>
#include <string.h>

#define JM_MAX_DEPTH 64

struct jm_parser {
	const char *p;
	int depth;
};

static void skip_ws(struct jm_parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static struct jm_value *new_value(enum jm_type t)
{
	struct jm_value *v = calloc(1, sizeof(*v));
	if (v)
		v->type = t;
	return v;
}

/* A string body after the opening quote; escapes are kept as the plain
 * character they protect (enough for the keys and names fio writes). */
static char *parse_string(struct jm_parser *ps)
{
	const char *start = ps->p;
	size_t len = 0;
	for (const char *q = start; *q != '"'; q++, len++) {
		if (*q == '\0')
			return NULL;
		if (*q == '\\' && q[1])
			q++;
	}
	char *out = malloc(len + 1);
	if (!out)
		return NULL;
	size_t n = 0;
	while (*ps->p != '"') {
		if (*ps->p == '\\')
			ps->p++;
		out[n++] = *ps->p++;
	}
	ps->p++;
	out[n] = '\0';
	return out;
}

static struct jm_value *parse_value(struct jm_parser *ps);

/* Members or elements until close; objects read "key": value pairs. */
static struct jm_value *parse_container(struct jm_parser *ps, enum jm_type t, char close)
{
	struct jm_value *v = new_value(t);
	if (!v || ++ps->depth > JM_MAX_DEPTH)
		goto fail;
	struct jm_value **tail = &v->child;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(ps);
		if (t == JM_OBJECT) {
			if (*ps->p != '"')
				goto fail;
			ps->p++;
			if (!(key = parse_string(ps)))
				goto fail;
			skip_ws(ps);
			if (*ps->p != ':') {
				free(key);
				goto fail;
			}
			ps->p++;
		}
		struct jm_value *item = parse_value(ps);
		if (!item) {
			free(key);
			goto fail;
		}
		item->key = key;
		*tail = item;
		tail = &item->next;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			ps->depth--;
			return v;
		}
		goto fail;
	}
fail:
	jm_free(v);
	return NULL;
}

static struct jm_value *parse_value(struct jm_parser *ps)
{
	skip_ws(ps);
	char c = *ps->p;
	if (c == '{') {
		ps->p++;
		return parse_container(ps, JM_OBJECT, '}');
	}
	if (c == '[') {
		ps->p++;
		return parse_container(ps, JM_ARRAY, ']');
	}
	if (c == '"') {
		ps->p++;
		struct jm_value *v = new_value(JM_STRING);
		if (v && !(v->string = parse_string(ps))) {
			free(v);
			return NULL;
		}
		return v;
	}
	static const struct { const char *word; enum jm_type t; double n; } words[] = {
		{ "null", JM_NULL, 0 }, { "true", JM_BOOL, 1 }, { "false", JM_BOOL, 0 },
	};
	for (unsigned i = 0; i < 3; i++) {
		size_t len = strlen(words[i].word);
		if (strncmp(ps->p, words[i].word, len) == 0) {
			ps->p += len;
			struct jm_value *v = new_value(words[i].t);
			if (v)
				v->number = words[i].n;
			return v;
		}
	}
	char *end;
	double n = strtod(ps->p, &end);
	if (end == ps->p)
		return NULL;
	ps->p = end;
	struct jm_value *v = new_value(JM_NUMBER);
	if (v)
		v->number = n;
	return v;
}

struct jm_value *jm_parse(const char *text)
{
	struct jm_parser ps = { .p = text };
	struct jm_value *v = parse_value(&ps);
	skip_ws(&ps);
	if (v && *ps.p != '\0') {
		jm_free(v);
		return NULL;
	}
	return v;
}

void jm_free(struct jm_value *v)
{
	while (v) {
		struct jm_value *next = v->next;
		jm_free(v->child);
		free(v->string);
		free(v->key);
		free(v);
		v = next;
	}
}

const struct jm_value *jm_get(const struct jm_value *obj, const char *key)
{
	if (!obj || obj->type != JM_OBJECT)
		return NULL;
	for (const struct jm_value *m = obj->child; m; m = m->next)
		if (m->key && strcmp(m->key, key) == 0)
			return m;
	return NULL;
}

const struct jm_value *jm_at(const struct jm_value *arr, size_t i)
{
	if (!arr || arr->type != JM_ARRAY)
		return NULL;
	const struct jm_value *e = arr->child;
	while (e && i--)
		e = e->next;
	return e;
}

double jm_number(const struct jm_value *obj, const char *key, double def)
{
	const struct jm_value *v = jm_get(obj, key);
	return v && v->type == JM_NUMBER ? v->number : def;
}
