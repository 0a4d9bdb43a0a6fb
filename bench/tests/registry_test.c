/*
 * registry_test.c - backends of both kinds registered in any order are
 * listed by rank, found by name, and a second backend of one name is
 * refused; every workload row is consistent (a pipe, nop or network
 * workload uses no file, fio's rw only for file workloads); and every
 * registered name, these test backends' included, is in the --list JSON
 * and the usage lists made from the registry.  The backends here are
 * linked in from this file alone, as a new backend file would be.
 * Exit 0 all passed, 1 a check failed.
 */
#include "bench.h"
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond)                                                                                   \
	do {                                                                                          \
		if (!(cond)) {                                                                        \
			fprintf(stderr, "%s:%d: FAILED %s\n", __FILE__, __LINE__, #cond);             \
			failures++;                                                                   \
		}                                                                                     \
	} while (0)

static const struct bench_backend late = { .name = "late", .rank = 30 };
static const struct bench_backend early = { .name = "early", .rank = 10 };
static const struct bench_backend middle = { .name = "middle", .rank = 20 };
static const struct bench_backend again = { .name = "middle", .rank = 5 };
BENCH_BACKEND(late)
BENCH_BACKEND(early)
static const struct net_backend net_b = { .name = "net-b", .rank = 20 };
static const struct net_backend net_a = { .name = "net-a", .rank = 10 };
static const struct net_backend net_early = { .name = "early", .rank = 15 }; /* both kinds */
NET_BACKEND(net_b)
NET_BACKEND(net_a)
NET_BACKEND(net_early)

/* name appears in text as a whole word (delimited by a quote, space,
 * comma or the ends). */
static bool has_word(const char *text, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
		bool start = p == text || strchr("\" ,|", p[-1]);
		bool end = p[len] == '\0' || strchr("\" ,|", p[len]);
		if (start && end)
			return true;
	}
	return false;
}

/* Every name is in the --list JSON and in its kind's usage list. */
static void check_listings(void)
{
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	bench_print_names_json(f);
	fclose(f);
	char usage[1024];
	for (unsigned i = 0; bench_backend_at(i); i++) {
		CHECK(has_word(json, bench_backend_at(i)->name));
		CHECK(has_word(bench_names(NAMES_BACKENDS, " "), bench_backend_at(i)->name));
	}
	for (unsigned i = 0; net_backend_at(i); i++) {
		CHECK(has_word(json, net_backend_at(i)->name));
		CHECK(has_word(bench_names(NAMES_NET_BACKENDS, " "), net_backend_at(i)->name));
	}
	for (unsigned i = 0; i < workload_count; i++) {
		const struct workload *w = &workload_table[i];
		CHECK(has_word(json, w->name));
		snprintf(usage, sizeof(usage), "%s", bench_names(w->net ? NAMES_NET_WORKLOADS : NAMES_FILE_WORKLOADS, " "));
		CHECK(has_word(usage, w->name));
		CHECK(!has_word(bench_names(w->net ? NAMES_FILE_WORKLOADS : NAMES_NET_WORKLOADS, " "), w->name));
		CHECK(has_word(bench_names(NAMES_WORKLOADS, ", "), w->name));
	}
	CHECK(!has_word(json, "nope"));
	/* A name both kinds register is listed once in "backends" (and once
	 * more in each of "file_backends" and "network_backends"). */
	const char *first = strstr(json, "\"early\"");
	const char *end = strchr(json, ']');
	const char *second = first ? strstr(first + 1, "\"early\"") : NULL;
	CHECK(first && end && first < end && second && second > end);
	CHECK(strstr(json, "\"file_backends\": [\"early\", \"middle\", \"late\"]"));
	CHECK(strstr(json, "\"network_backends\": [\"net-a\", \"early\", \"net-b\"]"));
	free(json);
}

int main(void)
{
	/* Constructors ran before main, in link order; now one more. */
	bench_register_backend(&middle);
	CHECK(bench_backend_at(0) == &early);
	CHECK(bench_backend_at(1) == &middle);
	CHECK(bench_backend_at(2) == &late);
	CHECK(bench_backend_at(3) == NULL);
	CHECK(bench_backend_find("late") == &late);
	CHECK(bench_backend_find("nope") == NULL);
	bench_register_backend(&again); /* a second "middle": refused, with a message */
	CHECK(bench_backend_find("middle") == &middle && bench_backend_at(3) == NULL);
	CHECK(net_backend_at(0) == &net_a && net_backend_at(1) == &net_early && net_backend_at(2) == &net_b);
	CHECK(net_backend_at(3) == NULL);
	CHECK(net_backend_find("net-b") == &net_b && net_backend_find("late") == NULL);
	CHECK(strcmp(bench_names(NAMES_NET_BACKENDS, ","), "net-a,early,net-b") == 0);
	CHECK(strcmp(bench_names(NAMES_BACKENDS, " "), "early middle late") == 0);

	CHECK(workload_count >= 1);
	for (unsigned i = 0; i < workload_count; i++) {
		const struct workload *w = &workload_table[i];
		CHECK(workload_find(w->name) == w);
		CHECK(!(w->pipe && w->uses_file));
		CHECK(!w->writes || w->uses_file);
		CHECK(!w->fio_rw || w->uses_file);
		CHECK(!w->net || (!w->uses_file && !w->pipe));
		for (unsigned k = 0; k < i; k++)
			CHECK(strcmp(workload_table[k].name, w->name) != 0);
	}
	CHECK(workload_find("nope") == NULL);
	check_listings();
	if (failures)
		return 1;
	puts("registry: all checks passed");
	return 0;
}
