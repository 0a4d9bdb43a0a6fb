/*
 * registry.c - what urt-faults can run: the workload table (adding a
 * workload is adding a row here and its function) and the ring variants.
 * The usage, the error text for an unknown name and --list are made from
 * these and from the runtime's fault point names.
 */
#include "workload.h"
#include "toolbox.h"

#include <stdio.h>
#include <string.h>

const struct wl_desc wl_table[] = {
	/* name, function, writes, ring variants, --external default, what */
	{ "copy", wl_copy, true, true, false, "striped file copy, one task per stripe, QD 16-64, read futures + write_all" },
	{ "randread", wl_randread, false, false, true, "random positioned reads (1 B - 64 KiB) checked against the pattern" },
	{ "randwrite", wl_randwrite, true, false, false, "random-order block writes, then read back through the runtime" },
	{ "pipe", wl_pipe, true, false, true, "a pipe stream: odd write sizes, real short reads, checked by stream offset" },
	{ "echo", wl_echo, true, true, false, "socketpair echo: send, echo server, receive, both sides verified" },
	{ "tcp", wl_tcp, true, false, false,
	  "loopback TCP echo: multishot accept, multishot/buffer-ring receives, send/sendmsg/send_zc" },
	{ "swarm", wl_swarm, false, false, false, "thousands of tasks on a 4-8 entry ring: SQ full and CQ overflow for real" },
	{ "sigstorm", wl_sigstorm, true, false, false, "copy while a timer signal (no SA_RESTART) arrives every 200 us" },
};
const unsigned wl_count = sizeof(wl_table) / sizeof(wl_table[0]);

const struct wl_desc *wl_find(const char *name)
{
	for (unsigned i = 0; i < wl_count; i++)
		if (strcmp(wl_table[i].name, name) == 0)
			return &wl_table[i];
	return NULL;
}

/* In the order of enum wl_ring. */
const char *const wl_ring_names[WL_RING_COUNT] = { "seeded", "sqpoll", "defer", "wait8", "regfiles" };

int wl_ring_by_name(const char *name)
{
	for (int i = 0; i < WL_RING_COUNT; i++)
		if (strcmp(wl_ring_names[i], name) == 0)
			return i;
	return -1;
}

/* The i-th name of a kind, or NULL past the last. */
static const char *name_at(enum faults_names kind, unsigned i)
{
	switch (kind) {
	case FN_POINTS: return i < URT_FAULT_COUNT ? urt_fault_name((enum urt_fault_point)i) : NULL;
	case FN_WORKLOADS: return i < wl_count ? wl_table[i].name : NULL;
	case FN_RINGS: return i < WL_RING_COUNT ? wl_ring_names[i] : NULL;
	case FN_RING_WORKLOADS:
		for (unsigned k = 0; k < wl_count; k++)
			if (wl_table[k].ring_variants && i-- == 0)
				return wl_table[k].name;
		return NULL;
	}
	return NULL;
}

const char *faults_names(enum faults_names kind, const char *sep)
{
	static char buf[2][512]; /* two in one printf */
	static unsigned which;
	char *b = buf[which++ % 2];
	size_t n = 0;
	b[0] = '\0';
	for (unsigned i = 0; name_at(kind, i) && n < sizeof(buf[0]); i++)
		n += (size_t)snprintf(b + n, sizeof(buf[0]) - n, "%s%s", i ? sep : "", name_at(kind, i));
	return b;
}

void faults_print_list(FILE *f)
{
	static const char *const keys[] = { "points", "workloads", "rings" };
	for (unsigned k = 0; k < 3; k++) {
		fprintf(f, "%s\"%s\": [", k ? "], " : "{", keys[k]);
		for (unsigned i = 0; name_at((enum faults_names)k, i); i++) {
			fputs(i ? ", " : "", f);
			tb_json_string(f, name_at((enum faults_names)k, i));
		}
	}
	fputs("]}\n", f);
}
