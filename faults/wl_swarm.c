/*
 * wl_swarm.c - thousands of tasks on a ring of 4 or 8 entries.  The first
 * pass alone queues far more SQEs than fit, so the SQ is full for real, and
 * completions pile up faster than a pass reaps them, so the CQ overflows for
 * real: the runtime's flush-and-retry paths run with no fault injected, and
 * the fault points fire on top of them.  Each task also cancels a read, so
 * urt_cancel runs under every point too.
 */
#define _GNU_SOURCE /* pipe2 */
#include "workload.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define SWARM_FILE (256 * 1024)
#define SWARM_READ 4096
/* Per task: a full read, a pair of nop futures, a read that may be short,
 * and a cancelled read of a pipe nobody writes to. */
#define SWARM_OPS 4

struct swarm {
	struct wl_run *run;
	int fd;
	int idle_r, idle_w; /* a pipe with no writer: reads on it wait until cancelled */
	uint64_t expected;
	struct wl_ids ids;
};

struct swarm_task {
	struct swarm *sw;
	unsigned index;
};

/* Two nop futures, await_any, then both: 0, or -1 to stop. */
static int nop_pair(struct wl_run *run)
{
	for (;;) {
		struct urt_future *f[2] = { NULL, NULL };
		ssize_t err = urt_nop_async(&f[0]);
		if (err == 0) {
			err = urt_nop_async(&f[1]);
			if (err < 0) {
				ssize_t r0 = urt_await(f[0]); /* started: must still be awaited */
				if (r0 < 0 && !wl_error(run, r0, "nop future"))
					return -1;
			}
		}
		if (err < 0) {
			if (wl_error(run, err, "nop_async"))
				continue;
			return -1;
		}
		int first = urt_await_any(f, 2);
		if (first < 0 || first > 1) {
			wl_fail(run, "urt_await_any returned %d", first);
			urt_await(f[0]);
			urt_await(f[1]);
			return -1;
		}
		if (!urt_future_done(f[first])) {
			wl_fail(run, "urt_await_any returned a future that is not done");
			urt_await(f[0]);
			urt_await(f[1]);
			return -1;
		}
		ssize_t r[2];
		r[first] = urt_await(f[first]);
		r[!first] = urt_await(f[!first]);
		bool retry = false;
		for (int i = 0; i < 2; i++) {
			if (r[i] < 0) {
				if (!wl_error(run, r[i], "nop future"))
					return -1;
				retry = true;
			} else if (r[i] != 0) {
				wl_fail(run, "a nop completed with %zd", r[i]);
				return -1;
			}
		}
		if (!retry)
			return 0;
	}
}

/* Starts a read that can only end by cancellation, cancels it, awaits it.
 * urt_cancel returning 0 promises the read will end: if it does not, the
 * cell hangs and the watchdog names it.  A cancel that fails is tried once
 * more (as a caller would); if that fails too, a byte written to the pipe
 * ends the read instead.  0, or -1 to stop. */
static int cancelled_read(struct swarm *sw)
{
	struct wl_run *run = sw->run;
	char buf[16];
	for (;;) {
		struct urt_future *f;
		ssize_t r = urt_read_async(&f, sw->idle_r, buf, sizeof(buf), -1);
		if (r < 0) {
			if (wl_error(run, r, "read_async"))
				continue;
			return -1;
		}
		urt_yield(); /* let the reactor submit it first */
		int c = urt_cancel(f);
		if (c < 0 && c != -EALREADY) {
			bool go_on = wl_error(run, c, "urt_cancel");
			c = urt_cancel(f);
			if (c < 0 && c != -EALREADY) {
				wl_error(run, c, "urt_cancel again");
				go_on = false;
				if (write(sw->idle_w, "x", 1) != 1)
					wl_fail(run, "could not unblock a read whose cancel failed");
			}
			if (!go_on) {
				urt_await(f);
				return -1;
			}
		}
		r = urt_await(f);
		if (r == -ECANCELED || r == -EINTR)
			return 0;
		if (r >= 0) {
			wl_fail(run, "a read of a pipe nobody writes to returned %zd", r);
			return -1;
		}
		if (!wl_error(run, r, "cancelled read"))
			return -1;
	}
}

static void swarm_task(void *arg)
{
	struct swarm_task *t = arg;
	struct swarm *sw = t->sw;
	struct wl_run *run = sw->run;
	char buf[SWARM_READ];
	uint64_t prng = run->p->seed ^ ((uint64_t)t->index * 0x9e3779b97f4a7c15ull);
	size_t id = (size_t)t->index * SWARM_OPS;
	for (unsigned k = 0; k < SWARM_OPS && !run->r->failed; k++, id++) {
		wl_id_start(&sw->ids, id);
		int ret;
		if (k == 1) {
			ret = nop_pair(run);
		} else if (k == 3) {
			ret = cancelled_read(sw);
		} else {
			size_t len = 1 + (size_t)wd_below(&prng, SWARM_READ);
			uint64_t off = wd_below(&prng, SWARM_FILE - len + 1);
			sw->expected += len;
			ret = wl_read_range(run, sw->fd, buf, len, off, k == 0 ? 1 : 0);
		}
		wl_id_done(&sw->ids, id, ret == 0);
		if (ret < 0)
			return;
		urt_yield();
	}
}

void wl_swarm(struct wl_run *run)
{
	struct swarm sw = { .run = run, .idle_r = -1, .idle_w = -1 };
	unsigned ntasks = (unsigned)wl_scaled(run, 5000, 100);
	struct urt_config cfg = wl_seeded_config(run);
	cfg.entries = 4u << wd_below(&run->prng, 2); /* 4 or 8 */
	/* Submitting only when no task is runnable is what lets a pass queue
	 * more SQEs than the ring holds; a batch would submit before it fills. */
	cfg.submit_batch = 0;
	run->r->submit_batch = 0;
	sw.fd = wl_scratch_file(run, SWARM_FILE, true, run->p->seed);
	struct swarm_task *tasks = calloc(ntasks, sizeof(*tasks));
	struct urt *rt = NULL;
	int idle[2];
	if (pipe2(idle, O_CLOEXEC) == 0) {
		sw.idle_r = idle[0];
		sw.idle_w = idle[1];
	} else {
		wl_fail(run, "pipe2 failed");
	}
	if (sw.fd < 0 || sw.idle_r < 0 || !tasks || wl_ids_init(run, &sw.ids, (size_t)ntasks * SWARM_OPS) < 0) {
		if (!tasks)
			wl_fail(run, "out of memory for %u tasks", ntasks);
		goto out;
	}
	if (wl_create(run, &rt, &cfg) < 0)
		goto out_ids;
	uint64_t sq_full_before = run->r->stats.sq_full;
	for (unsigned i = 0; i < ntasks; i++) {
		tasks[i] = (struct swarm_task){ &sw, i };
		if (wl_spawn(run, rt, swarm_task, &tasks[i]) < 0)
			break;
	}
	wl_run_and_destroy(run, rt);
	if (!run->p->expect_errors) {
		run->r->bytes_expected += sw.expected;
		/* The point of this workload: if the SQ never filled, it tested nothing. */
		if (run->r->stats.sq_full == sq_full_before)
			wl_fail(run, "swarm: %u tasks on a %u-entry ring never found the SQ full", ntasks, cfg.entries);
	}
out_ids:
	wl_ids_finish(run, &sw.ids);
out:
	free(tasks);
	if (sw.fd >= 0)
		close(sw.fd);
	if (sw.idle_r >= 0)
		close(sw.idle_r);
	if (sw.idle_w >= 0)
		close(sw.idle_w);
}
