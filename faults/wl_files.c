/*
 * wl_files.c - the file workloads: a striped copy, random reads and random
 * writes read back.  Positioned I/O only, so every byte has one right value
 * (the pattern at its offset) and any misplaced, lost or torn block shows.
 */
#include "workload.h"
#include "workload_data.h"

#include <stdlib.h>
#include <unistd.h>

#define MAX_IO (64 * 1024)

/* ---- copy ---- */

struct copy {
	struct wl_run *run;
	int src, dst;
	uint64_t size, blocks;
	uint32_t bs;
	unsigned qd;
	struct wl_ids ids;
};

struct copy_worker {
	struct copy *c;
	unsigned stripe;
};

static void copy_task(void *arg)
{
	struct copy_worker *w = arg;
	struct copy *c = w->c;
	char *buf = malloc(c->bs);
	if (!buf) {
		wl_fail(c->run, "out of memory for a copy buffer");
		return;
	}
	/* Stripe s copies blocks s, s + qd, s + 2 qd ...: qd reads in flight. */
	for (uint64_t b = w->stripe; b < c->blocks && !c->run->r->failed; b += c->qd) {
		uint64_t off = b * c->bs;
		size_t len = c->size - off < c->bs ? (size_t)(c->size - off) : c->bs;
		wl_id_start(&c->ids, b);
		bool ok = wl_read_range(c->run, c->src, buf, len, off, 2) == 0 &&
			  wl_write_range(c->run, c->dst, buf, len, off, false) == 0;
		wl_id_done(&c->ids, b, ok);
		if (!ok)
			break;
	}
	free(buf);
}

void wl_copy(struct wl_run *run)
{
	struct copy c = { .run = run };
	c.size = wl_scaled(run, 16u << 20, 256 << 10);
	c.bs = 4096u << wd_below(&run->prng, 5); /* 4 KiB .. 64 KiB */
	c.qd = 16 + (unsigned)wd_below(&run->prng, 49);
	c.blocks = (c.size + c.bs - 1) / c.bs;
	c.src = wl_scratch_file(run, c.size, true, run->p->seed);
	c.dst = c.src < 0 ? -1 : wl_scratch_file(run, c.size, false, 0);
	struct copy_worker *workers = calloc(c.qd, sizeof(*workers));
	struct urt *rt = NULL;
	struct urt_config cfg = wl_seeded_config(run);
	if (c.dst < 0 || !workers || wl_ids_init(run, &c.ids, c.blocks) < 0)
		goto out;
	if (wl_create(run, &rt, &cfg) < 0)
		goto out_ids;
	for (unsigned i = 0; i < c.qd; i++) {
		workers[i] = (struct copy_worker){ &c, i };
		if (wl_spawn(run, rt, copy_task, &workers[i]) < 0)
			break;
	}
	wl_run_and_destroy(run, rt);
	/* The destination must hold the pattern wherever a block was copied. */
	for (uint64_t b = 0; b < c.blocks; b++) {
		if (!c.ids.ok[b])
			continue;
		uint64_t off = b * c.bs;
		uint64_t len = c.size - off < c.bs ? c.size - off : c.bs;
		wl_verify_file(run, c.dst, off, len, run->p->seed);
	}
	if (!run->p->expect_errors)
		run->r->bytes_expected += 2 * c.size; /* read side + destination file */
out_ids:
	wl_ids_finish(run, &c.ids);
out:
	free(workers);
	if (c.src >= 0)
		close(c.src);
	if (c.dst >= 0)
		close(c.dst);
}

/* ---- randread ---- */

#define RR_TASKS 8

struct randread {
	struct wl_run *run;
	int fd;
	uint64_t size, per_task, expected;
	struct wl_ids ids;
};

struct rr_worker {
	struct randread *rr;
	unsigned index;
};

static void randread_task(void *arg)
{
	struct rr_worker *w = arg;
	struct randread *rr = w->rr;
	uint64_t prng = rr->run->p->seed ^ (0x51ed2701u + w->index);
	char *buf = malloc(MAX_IO);
	if (!buf) {
		wl_fail(rr->run, "out of memory for a read buffer");
		return;
	}
	for (uint64_t i = 0; i < rr->per_task && !rr->run->r->failed; i++) {
		uint64_t off = wd_below(&prng, rr->size);
		uint64_t room = rr->size - off;
		size_t len = 1 + (size_t)wd_below(&prng, room < MAX_IO ? room : MAX_IO);
		size_t id = w->index * rr->per_task + i;
		wl_id_start(&rr->ids, id);
		rr->expected += len;
		bool ok = wl_read_range(rr->run, rr->fd, buf, len, off, (unsigned)(i % 3)) == 0;
		wl_id_done(&rr->ids, id, ok);
		if (!ok)
			break;
	}
	free(buf);
}

void wl_randread(struct wl_run *run)
{
	struct randread rr = { .run = run };
	rr.size = wl_scaled(run, 16u << 20, 256 << 10);
	rr.per_task = wl_scaled(run, 1200, 20);
	rr.fd = wl_scratch_file(run, rr.size, true, run->p->seed);
	struct rr_worker workers[RR_TASKS];
	struct urt *rt = NULL;
	struct urt_config cfg = wl_seeded_config(run);
	if (rr.fd < 0 || wl_ids_init(run, &rr.ids, RR_TASKS * rr.per_task) < 0)
		goto out;
	if (wl_create(run, &rt, &cfg) < 0)
		goto out_ids;
	for (unsigned i = 0; i < RR_TASKS; i++) {
		workers[i] = (struct rr_worker){ &rr, i };
		if (wl_spawn(run, rt, randread_task, &workers[i]) < 0)
			break;
	}
	wl_run_and_destroy(run, rt);
	if (!run->p->expect_errors)
		run->r->bytes_expected += rr.expected;
out_ids:
	wl_ids_finish(run, &rr.ids);
out:
	if (rr.fd >= 0)
		close(rr.fd);
}

/* ---- randwrite ---- */

#define RW_TASKS 8

static void randwrite_task(void *arg)
{
	struct wl_randwrite *rw = arg;
	char *buf = malloc(rw->slot);
	if (!buf) {
		wl_fail(rw->run, "out of memory for a write buffer");
		return;
	}
	/* Tasks share one cursor: a cooperative runtime needs no lock for it. */
	while (rw->next < rw->slots && !rw->run->r->failed) {
		uint64_t k = rw->next++;
		uint64_t s = rw->order[k];
		wd_pattern_fill(buf, rw->slot, s * rw->slot, rw->run->p->seed);
		wl_id_start(&rw->ids, s);
		bool ok = wl_write_range(rw->run, rw->fd, buf, rw->slot, s * rw->slot, k & 1) == 0;
		wl_id_done(&rw->ids, s, ok);
		if (!ok)
			break;
	}
	free(buf);
}

static void readback_task(void *arg)
{
	struct wl_randwrite *rw = arg;
	char *buf = malloc(rw->slot);
	if (!buf) {
		wl_fail(rw->run, "out of memory for a read buffer");
		return;
	}
	while (rw->next < rw->slots && !rw->run->r->failed) {
		uint64_t k = rw->next++;
		uint64_t s = rw->order[rw->slots - 1 - k]; /* the reverse of the write order */
		if (!rw->ids.ok[s])
			continue; /* its write failed (expected errors): nothing to read back */
		wl_id_start(&rw->ids, rw->slots + s);
		bool ok = wl_read_range(rw->run, rw->fd, buf, rw->slot, s * rw->slot, (unsigned)(k % 3)) == 0;
		wl_id_done(&rw->ids, rw->slots + s, ok);
		if (!ok)
			break;
	}
	free(buf);
}

int wl_randwrite_slots(struct wl_randwrite *rw, const struct urt_config *cfg)
{
	struct wl_run *run = rw->run;
	struct urt *rt = NULL;
	for (uint64_t i = 0; i < rw->slots; i++)
		rw->order[i] = i;
	for (uint64_t i = rw->slots - 1; i > 0; i--) { /* Fisher-Yates */
		uint64_t j = wd_below(&run->prng, i + 1), t = rw->order[i];
		rw->order[i] = rw->order[j];
		rw->order[j] = t;
	}
	if (wl_create(run, &rt, cfg) < 0)
		return -1;
	for (unsigned i = 0; i < RW_TASKS; i++)
		if (wl_spawn(run, rt, randwrite_task, rw) < 0)
			break;
	wl_run_phase(run, rt);
	/* Every write has returned before the first read-back starts. */
	rw->next = 0;
	for (unsigned i = 0; i < RW_TASKS && !run->r->failed; i++)
		if (wl_spawn(run, rt, readback_task, rw) < 0)
			break;
	wl_run_and_destroy(run, rt);
	return 0;
}

void wl_randwrite(struct wl_run *run)
{
	struct wl_randwrite rw = { .run = run };
	rw.slot = 4096u << wd_below(&run->prng, 3); /* 4 .. 16 KiB */
	rw.slots = wl_scaled(run, 16u << 20, 256 << 10) / rw.slot;
	rw.fd = wl_scratch_file(run, rw.slots * rw.slot, false, 0);
	rw.order = malloc(rw.slots * sizeof(*rw.order));
	struct urt_config cfg = wl_seeded_config(run);
	if (rw.fd < 0 || !rw.order || wl_ids_init(run, &rw.ids, 2 * rw.slots) < 0)
		goto out;
	if (wl_randwrite_slots(&rw, &cfg) < 0)
		goto out_ids;
	/* And independently of the runtime's read path: */
	for (uint64_t s = 0; s < rw.slots; s++)
		if (rw.ids.ok[s])
			wl_verify_file(run, rw.fd, s * rw.slot, rw.slot, run->p->seed);
	if (!run->p->expect_errors)
		run->r->bytes_expected += 2 * rw.slots * rw.slot;
out_ids:
	wl_ids_finish(run, &rw.ids);
out:
	free(rw.order);
	if (rw.fd >= 0)
		close(rw.fd);
}
