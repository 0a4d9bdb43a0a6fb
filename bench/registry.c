/*
 * registry.c - what urt-bench can run: the workload table (adding a
 * workload is adding a row here) and the backends, file (BENCH_BACKEND in
 * bench.h) and network (NET_BACKEND in net.h), which register themselves
 * from their own files.  Usage text, error text and --list are made from
 * these.
 */
#include "bench.h"
#include "net.h"
#include "toolbox.h"

#include <stdio.h>
#include <string.h>

const struct workload workload_table[] = {
	/* name         file   writes random pipe   fio rw       network */
	{ "nop",       false, false, false, false, NULL,        NET_NONE },
	{ "randread",  true,  false, true,  false, "randread",  NET_NONE },
	{ "seqread",   true,  false, false, false, "read",      NET_NONE },
	{ "randwrite", true,  true,  true,  false, "randwrite", NET_NONE },
	{ "seqwrite",  true,  true,  false, false, "write",     NET_NONE },
	{ "pipe",      false, false, false, true,  NULL,        NET_NONE },
	{ "echo",      false, false, false, false, NULL,        NET_ECHO },
	{ "stream",    false, false, false, false, NULL,        NET_STREAM },
};
const unsigned workload_count = sizeof(workload_table) / sizeof(workload_table[0]);

const struct workload *workload_find(const char *name)
{
	for (unsigned i = 0; i < workload_count; i++)
		if (strcmp(name, workload_table[i].name) == 0)
			return &workload_table[i];
	return NULL;
}

/* One registry per kind of backend, kept sorted by rank: the constructors
 * run before main() in link order, and listings must not depend on it. */
struct registry {
	const void *item[BENCH_BACKENDS_MAX];
	const char *name[BENCH_BACKENDS_MAX];
	int rank[BENCH_BACKENDS_MAX];
	unsigned n;
};
static struct registry file_backends, net_backends;

static const void *reg_find(const struct registry *r, const char *name)
{
	for (unsigned i = 0; i < r->n; i++)
		if (strcmp(name, r->name[i]) == 0)
			return r->item[i];
	return NULL;
}

static void reg_add(struct registry *r, const void *item, const char *name, int rank)
{
	if (r->n == BENCH_BACKENDS_MAX || reg_find(r, name)) {
		fprintf(stderr, "urt-bench: backend '%s' registered twice or too many backends\n", name);
		return;
	}
	unsigned i = r->n++;
	for (; i > 0 && r->rank[i - 1] > rank; i--) {
		r->item[i] = r->item[i - 1];
		r->name[i] = r->name[i - 1];
		r->rank[i] = r->rank[i - 1];
	}
	r->item[i] = item;
	r->name[i] = name;
	r->rank[i] = rank;
}

void bench_register_backend(const struct bench_backend *b)
{
	reg_add(&file_backends, b, b->name, b->rank);
}

void net_register_backend(const struct net_backend *b)
{
	reg_add(&net_backends, b, b->name, b->rank);
}

const struct bench_backend *bench_backend_at(unsigned i)
{
	return i < file_backends.n ? file_backends.item[i] : NULL;
}

const struct net_backend *net_backend_at(unsigned i)
{
	return i < net_backends.n ? net_backends.item[i] : NULL;
}

const struct bench_backend *bench_backend_find(const char *name)
{
	return reg_find(&file_backends, name);
}

const struct net_backend *net_backend_find(const char *name)
{
	return reg_find(&net_backends, name);
}

/* The i-th name of a kind, or NULL past the last. */
static const char *name_at(enum bench_names kind, unsigned i)
{
	if (kind == NAMES_BACKENDS || kind == NAMES_NET_BACKENDS) {
		const struct registry *r = kind == NAMES_BACKENDS ? &file_backends : &net_backends;
		return i < r->n ? r->name[i] : NULL;
	}
	for (unsigned k = 0; k < workload_count; k++) {
		bool net = workload_table[k].net != NET_NONE;
		if ((kind == NAMES_WORKLOADS || net == (kind == NAMES_NET_WORKLOADS)) && i-- == 0)
			return workload_table[k].name;
	}
	return NULL;
}

const char *bench_names(enum bench_names kind, const char *sep)
{
	static char buf[1024];
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; name_at(kind, i) && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? sep : "", name_at(kind, i));
	return buf;
}

void bench_print_names_json(FILE *f)
{
	fputs("{\"backends\": [", f);
	unsigned n = 0;
	for (unsigned i = 0; name_at(NAMES_BACKENDS, i); i++, n++) {
		fputs(n ? ", " : "", f);
		tb_json_string(f, name_at(NAMES_BACKENDS, i));
	}
	for (unsigned i = 0; name_at(NAMES_NET_BACKENDS, i); i++) {
		if (reg_find(&file_backends, name_at(NAMES_NET_BACKENDS, i)))
			continue; /* urt, raw, threadpool: one name serves both kinds */
		fputs(n++ ? ", " : "", f);
		tb_json_string(f, name_at(NAMES_NET_BACKENDS, i));
	}
	fputs("]", f);
	/* Then by kind: which backends run which workloads (validate_json.py
	 * refuses an echo result from psync). */
	static const struct {
		const char *key;
		enum bench_names kind;
	} lists[] = { { "workloads", NAMES_WORKLOADS },
		      { "file_backends", NAMES_BACKENDS },
		      { "network_backends", NAMES_NET_BACKENDS },
		      { "file_workloads", NAMES_FILE_WORKLOADS },
		      { "network_workloads", NAMES_NET_WORKLOADS } };
	for (size_t k = 0; k < sizeof(lists) / sizeof(lists[0]); k++) {
		fprintf(f, ", \"%s\": [", lists[k].key);
		for (unsigned i = 0; name_at(lists[k].kind, i); i++) {
			fputs(i ? ", " : "", f);
			tb_json_string(f, name_at(lists[k].kind, i));
		}
		fputs("]", f);
	}
	fputs("}\n", f);
}
