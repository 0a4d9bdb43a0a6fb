/*
 * wl_common.c - what every workload shares: the error policy, runtime and
 * task creation that survive urt/alloc, scratch files, byte verification and
 * per-operation completion counting.
 */
#define _GNU_SOURCE /* timer_create */
#include "workload.h"
#include "workload_data.h"

#include <errno.h>
#include <signal.h>
#include <time.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How often wl_create/wl_spawn repeat -ENOMEM before they give up: at the
 * highest probability below 1 (0.5) that is 2^-1000, i.e. never. */
#define WL_CREATE_TRIES 1000

void wl_fail(struct wl_run *run, const char *fmt, ...)
{
	struct wl_result *r = run->r;
	if (r->failed)
		return;
	r->failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
}

/* The errors a fault point can make a caller see. */
static bool injectable(ssize_t err)
{
	return err == -EIO || err == -ENOMEM || err == -EAGAIN || err == -EBUSY || err == -EINTR;
}

bool wl_error(struct wl_run *run, ssize_t err, const char *what)
{
	struct wl_result *r = run->r;
	const struct wl_params *p = run->p;
	r->errors_seen++;
	if (err == -EIO)
		r->eio_seen++;
	if (p->expect_errors)
		return false;
	bool allowed = p->any_error_retryable ? injectable(err) : (p->retryable_error && err == p->retryable_error);
	if (allowed) {
		r->workload_retries++;
		return true;
	}
	wl_fail(run, "%s: unexpected error %s", what, strerror((int)-err));
	return false;
}

struct urt_config wl_seeded_config(struct wl_run *run)
{
	static const unsigned batches[] = { 0, 1, 8 };
	static const unsigned flags[] = { 0, URT_COOP_TASKRUN, URT_DEFER_TASKRUN };
	struct urt_config cfg = { 0 };
	cfg.submit_batch = batches[wd_below(&run->prng, 3)];
	cfg.flags = flags[wd_below(&run->prng, 3)];
	switch (run->p->ring) {
	case WL_RING_SQPOLL: cfg.flags = URT_SQPOLL; break;
	case WL_RING_DEFER: cfg.flags = URT_DEFER_TASKRUN; break;
	case WL_RING_WAIT_NR: cfg.wait_nr = 8; break;
	default: break;
	}
	run->r->submit_batch = cfg.submit_batch;
	run->r->ring_flags = cfg.flags;
	return cfg;
}

void wl_note_fd(struct wl_run *run, int fd)
{
	if (fd >= 0 && run->nfds < sizeof(run->fds) / sizeof(run->fds[0]))
		run->fds[run->nfds++] = fd;
}

int wl_create(struct wl_run *run, struct urt **rt, const struct urt_config *cfg)
{
	for (unsigned tries = 0;; tries++) {
		int ret = urt_create(rt, cfg);
		if (ret >= 0 && run->p->ring == WL_RING_REGFILES && run->nfds) {
			ret = urt_register_files(*rt, run->fds, run->nfds);
			if (ret < 0) {
				urt_destroy(*rt);
				*rt = NULL;
			}
		}
		if (ret >= 0)
			return 0;
		if (ret == -ENOMEM)
			run->r->create_enomem++;
		if (!wl_error(run, ret, "urt_create"))
			return ret;
		if (tries >= WL_CREATE_TRIES) {
			wl_fail(run, "urt_create: still %s after %u tries", strerror(-ret), tries);
			return ret;
		}
	}
}

int wl_spawn(struct wl_run *run, struct urt *rt, void (*fn)(void *), void *arg)
{
	for (unsigned tries = 0;; tries++) {
		int ret = urt_spawn(rt, fn, arg);
		if (ret >= 0)
			return 0;
		if (ret == -ENOMEM)
			run->r->spawn_enomem++;
		if (!wl_error(run, ret, "urt_spawn"))
			return ret;
		if (tries >= WL_CREATE_TRIES) {
			wl_fail(run, "urt_spawn: still %s after %u tries", strerror(-ret), tries);
			return ret;
		}
	}
}

_Static_assert(sizeof(struct urt_stats) % sizeof(uint64_t) == 0, "urt_stats holds only uint64_t counters");

void wl_run_phase(struct wl_run *run, struct urt *rt)
{
	int ret = urt_run(rt);
	if (ret < 0) {
		run->r->run_errors++;
		wl_fail(run, "urt_run: %s", strerror(-ret));
	}
}

void wl_destroy(struct wl_run *run, struct urt *rt)
{
	struct urt_stats s;
	urt_get_stats(rt, &s);
	/* Every operation handed to the runtime must be delivered exactly once. */
	if (s.ops_completed < s.ops_started)
		run->r->lost_ops += s.ops_started - s.ops_completed;
	else
		run->r->doubled_ops += s.ops_completed - s.ops_started;
	uint64_t *sum = (uint64_t *)&run->r->stats;
	const uint64_t *add = (const uint64_t *)&s;
	for (size_t i = 0; i < sizeof(s) / sizeof(uint64_t); i++)
		sum[i] += add[i];
	urt_destroy(rt);
}

int wl_scratch_file(struct wl_run *run, uint64_t size, bool fill, uint64_t seed)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/urt-faults-XXXXXX", run->p->dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		wl_fail(run, "scratch file in %s: %s", run->p->dir, strerror(errno));
		return -1;
	}
	unlink(path); /* gone when the cell ends, whatever way it ends */
	wl_note_fd(run, fd);
	if (ftruncate(fd, (off_t)size) != 0) {
		wl_fail(run, "ftruncate scratch file: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (!fill)
		return fd;
	static char chunk[256 * 1024];
	for (uint64_t off = 0; off < size;) {
		size_t n = size - off < sizeof(chunk) ? (size_t)(size - off) : sizeof(chunk);
		wd_pattern_fill(chunk, n, off, seed);
		ssize_t w = pwrite(fd, chunk, n, (off_t)off);
		if (w <= 0) {
			wl_fail(run, "filling scratch file: %s", w < 0 ? strerror(errno) : "no progress");
			close(fd);
			return -1;
		}
		off += (uint64_t)w;
	}
	return fd;
}

bool wl_sabotage_corrupt;

void wl_verify_file(struct wl_run *run, int fd, uint64_t off, uint64_t len, uint64_t seed)
{
	static char chunk[256 * 1024];
	while (len > 0) {
		size_t n = len < sizeof(chunk) ? (size_t)len : sizeof(chunk);
		ssize_t got = pread(fd, chunk, n, (off_t)off);
		if (got <= 0) {
			wl_fail(run, "verify pread at %llu: %s", (unsigned long long)off,
				got < 0 ? strerror(errno) : "unexpected end of file");
			run->r->corrupted_bytes += len; /* missing bytes are wrong bytes */
			return;
		}
		if (wl_sabotage_corrupt) {
			chunk[0] ^= 0x20;
			wl_sabotage_corrupt = false;
		}
		wl_check(run, chunk, (size_t)got, off, seed, "file contents");
		off += (uint64_t)got;
		len -= (uint64_t)got;
	}
}

void wl_check(struct wl_run *run, const void *buf, size_t len, uint64_t off, uint64_t seed, const char *what)
{
	uint64_t first_bad = 0;
	size_t bad = wd_pattern_check(buf, len, off, seed, &first_bad);
	run->r->bytes_verified += len;
	if (bad) {
		run->r->corrupted_bytes += bad;
		wl_fail(run, "%s: %zu corrupted bytes, first at offset %llu", what, bad,
			(unsigned long long)first_bad);
	}
}

/* Reads exactly len bytes at off into buf in one of three ways (single
 * reads that may be short, urt_read_full, a future), checking what arrives.
 * 0, or -1 when the worker must stop. */
int wl_read_range(struct wl_run *run, int fd, char *buf, size_t len, uint64_t off, unsigned how)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r;
		if (how == 1) {
			r = urt_read_full(fd, buf + done, len - done, (off_t)(off + done));
		} else if (how == 2) {
			struct urt_future *f;
			int ret = urt_read_async(&f, fd, buf + done, len - done, (off_t)(off + done));
			r = ret < 0 ? ret : urt_await(f);
		} else {
			r = urt_read(fd, buf + done, len - done, (off_t)(off + done));
		}
		if (r < 0) {
			if (wl_error(run, r, "read"))
				continue;
			return -1;
		}
		if (r == 0 || (size_t)r > len - done) {
			wl_fail(run, "read at %llu returned %zd for %zu bytes", (unsigned long long)(off + done), r,
				len - done);
			return -1;
		}
		wl_check(run, buf + done, (size_t)r, off + done, run->p->seed, "read data");
		done += (size_t)r;
	}
	return 0;
}

bool wl_sabotage_ignore_eio;

/* Writes all of buf at off: urt_write_all, or single writes continued when
 * short.  An allowed error means nothing is known about the range, so it is
 * written again whole (positioned writes are idempotent). */
int wl_write_range(struct wl_run *run, int fd, const char *buf, size_t len, uint64_t off, bool single)
{
	size_t done = 0;
	while (done < len) {
		ssize_t w = single ? urt_write(fd, buf + done, len - done, (off_t)(off + done))
				   : urt_write_all(fd, buf + done, len - done, (off_t)(off + done));
		if (w == -EIO && wl_sabotage_ignore_eio)
			return 0;
		if (w < 0) {
			if (!wl_error(run, w, "write"))
				return -1;
			done = 0;
			continue;
		}
		if (w == 0 || (size_t)w > len - done || (!single && (size_t)w != len - done)) {
			wl_fail(run, "write at %llu returned %zd for %zu bytes", (unsigned long long)(off + done), w,
				len - done);
			return -1;
		}
		done += (size_t)w;
	}
	return 0;
}

int wl_ids_init(struct wl_run *run, struct wl_ids *ids, size_t n)
{
	ids->n = n;
	ids->started = calloc(n ? n : 1, 1);
	ids->ok = calloc(n ? n : 1, 1);
	ids->done = calloc(n ? n : 1, sizeof(uint32_t));
	if (!ids->started || !ids->ok || !ids->done) {
		free(ids->started);
		free(ids->ok);
		free(ids->done);
		ids->started = ids->ok = NULL;
		ids->done = NULL;
		wl_fail(run, "out of memory for %zu operation ids", n);
		return -1;
	}
	return 0;
}

void wl_ids_finish(struct wl_run *run, struct wl_ids *ids)
{
	if (!ids->done)
		return;
	uint64_t lost = 0, doubled = 0, done = 0, failed = 0;
	for (size_t i = 0; i < ids->n; i++) {
		if (ids->done[i] > 1)
			doubled += ids->done[i] - 1;
		if (ids->done[i])
			done++;
		else if (ids->started[i] || !run->p->expect_errors)
			lost++;
		if (ids->done[i] && !ids->ok[i])
			failed++;
	}
	run->r->ops += done;
	if (failed && !run->p->expect_errors)
		wl_fail(run, "%llu operations ended in an error", (unsigned long long)failed);
	run->r->lost_ops += lost;
	run->r->doubled_ops += doubled;
	if (lost)
		wl_fail(run, "%llu operations never completed", (unsigned long long)lost);
	if (doubled)
		wl_fail(run, "%llu operations completed twice", (unsigned long long)doubled);
	free(ids->started);
	free(ids->ok);
	free(ids->done);
	ids->started = ids->ok = NULL;
	ids->done = NULL;
}

uint64_t wl_scaled(const struct wl_run *run, uint64_t full, uint64_t min)
{
	uint64_t v = (uint64_t)((double)full * run->p->scale);
	return v < min ? min : v;
}

/* ---- sigstorm: the copy under a storm of signals ---- */

static volatile sig_atomic_t storm_signals;

static void storm_handler(int sig)
{
	(void)sig;
	storm_signals++;
}

void wl_sigstorm(struct wl_run *run)
{
	/* Without SA_RESTART, as a program with its own handlers may install
	 * them: every blocking call can see EINTR, and the kernel may fail to
	 * start an io-wq worker.  The runtime must absorb both. */
	struct sigaction sa = { .sa_handler = storm_handler }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, &old);
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	timer_t timer;
	if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) {
		wl_fail(run, "timer_create: %s", strerror(errno));
		sigaction(SIGUSR1, &old, NULL);
		return;
	}
	struct itimerspec its = { .it_interval = { 0, 200000 }, .it_value = { 0, 200000 } };
	storm_signals = 0;
	timer_settime(timer, 0, &its, NULL);
	wl_copy(run);
	timer_delete(timer);
	sigaction(SIGUSR1, &old, NULL);
	if (storm_signals == 0)
		wl_fail(run, "no signal arrived during the copy: the storm did not happen");
}
