/*
 * json_mini.h - just enough JSON reading to take numbers out of fio's
 * report: parse into a tree, look members up by key.  Not a general parser
 * (no \u escapes beyond copying them through), but strict about structure.
 */
#ifndef BENCH_JSON_MINI_H
#define BENCH_JSON_MINI_H

#include <stdbool.h>
#include <stddef.h>

enum jm_type { JM_NULL, JM_BOOL, JM_NUMBER, JM_STRING, JM_ARRAY, JM_OBJECT };

struct jm_value {
	enum jm_type type;
	double number;
	char *string;            /* JM_STRING; the key for object members */
	char *key;
	struct jm_value *child;  /* first element or member */
	struct jm_value *next;   /* sibling */
};

/* Parses text (NUL-terminated); NULL on a syntax error. */
struct jm_value *jm_parse(const char *text);
void jm_free(struct jm_value *v);
/* Member of an object by key, or NULL. */
const struct jm_value *jm_get(const struct jm_value *obj, const char *key);
/* Element i of an array, or NULL. */
const struct jm_value *jm_at(const struct jm_value *arr, size_t i);
/* The number at obj.key, or def when missing or not a number. */
double jm_number(const struct jm_value *obj, const char *key, double def);

#endif
