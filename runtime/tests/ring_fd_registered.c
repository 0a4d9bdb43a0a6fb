/*
 * urt_run enters the kernel through a registered ring fd, from its 16th
 * turn for as long as it runs, and on its own thread only:
 *  - in its first turns, nothing is registered (a short run would not win
 *    back the two system calls);
 *  - later inside urt_run the thread's table of registered rings (16
 *    places) has one place taken, urt's: 15 other rings fit, not 16;
 *  - after urt_run every place is free again: nothing leaks, run after run;
 *  - with the table already full, urt_run works through the plain fd;
 *  - the runtime then runs from other threads (urt_run, urt_run_once) and is
 *    destroyed from yet another, where no registration of its own exists.
 * Every run moves data through a pipe and checks it byte for byte.
 */
#include "check.h"
#include <urt.h>

#include <liburing.h>
#include <pthread.h>

#define TABLE 16 /* the kernel's IO_RINGFD_REG_MAX */

static struct io_uring others[TABLE];

/* How many of the other rings the calling thread can register now (it
 * registers them and takes them back). */
static int free_places(void)
{
	int n = 0;
	for (int i = 0; i < TABLE; i++) {
		int ret = io_uring_register_ring_fd(&others[i]);
		if (ret != 1) {
			/* The kernel's full table; liburing 2.4+ answers -EEXIST
			 * itself for a ring it has registered already (the
			 * full-table case below registers all of them). */
			CHECK(ret == -EBUSY || ret == -EEXIST);
			break;
		}
		n++;
	}
	for (int i = 0; i < n; i++)
		CHECK_EQ(io_uring_unregister_ring_fd(&others[i]), 1);
	return n;
}

static int places_inside = -1;
static int pipe_fds[2];

/* Writes and reads back 64 KiB through the pipe, in 4 KiB pieces, with
 * NOPs in between (each a submit through whatever fd urt enters by). */
static void pipe_task(void *arg)
{
	(void)arg;
	static unsigned char out[4096], in[4096];
	for (unsigned round = 0; round < 16; round++) {
		for (unsigned i = 0; i < sizeof out; i++)
			out[i] = (unsigned char)(round * 31 + i * 7);
		CHECK_EQ(urt_write_all(pipe_fds[1], out, sizeof out, -1), (long)sizeof out);
		CHECK_EQ(urt_read_full(pipe_fds[0], in, sizeof in, -1), (long)sizeof in);
		CHECK(memcmp(out, in, sizeof in) == 0);
		CHECK_EQ(urt_nop(), 0);
	}
}

static int places_early = -1;

/* Probes in the run's first turn, and again after 40 more (urt_yield: one
 * turn each). */
static void probe_task(void *arg)
{
	(void)arg;
	places_early = free_places();
	for (int i = 0; i < 40; i++)
		urt_yield();
	places_inside = free_places();
}

/* Tasks are spawned by the owner thread: the one that ran rt last. */
static void spawn_both(struct urt *rt)
{
	places_inside = places_early = -1;
	CHECK_EQ(urt_spawn(rt, pipe_task, NULL), 0);
	CHECK_EQ(urt_spawn(rt, probe_task, NULL), 0);
}

static void run_with_probe(struct urt *rt)
{
	spawn_both(rt);
	CHECK_EQ(urt_run(rt), 0);
}

static void *other_thread_run(void *arg)
{
	struct urt *rt = arg;
	CHECK_EQ(urt_run(rt), 0); /* the tasks main spawned */
	CHECK_EQ(places_inside, TABLE - 1);
	CHECK_EQ(free_places(), TABLE);
	/* urt_run_once registers nothing: an embedding loop calls it often. */
	spawn_both(rt);
	int live;
	for (int i = 0; i < 100000 && (live = urt_run_once(rt)) > 0; i++)
		;
	CHECK_EQ(live, 0);
	CHECK_EQ(places_inside, TABLE);
	return NULL;
}

static void *other_thread_destroy(void *arg)
{
	urt_destroy(arg);
	return NULL;
}

int main(void)
{
	for (int i = 0; i < TABLE; i++)
		CHECK_EQ(io_uring_queue_init(4, &others[i], 0), 0);
	CHECK_EQ(pipe(pipe_fds), 0);
	if (free_places() != TABLE)
		SKIP("this kernel has no registered ring fds (Linux 5.18+)");

	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);

	/* urt's place inside urt_run, and none left behind, run after run. */
	for (int run = 0; run < 3; run++) {
		run_with_probe(rt);
		CHECK_EQ(places_early, TABLE);
		CHECK_EQ(places_inside, TABLE - 1);
		CHECK_EQ(free_places(), TABLE);
	}

	/* A full table: urt_run goes through the plain fd and takes nothing. */
	for (int i = 0; i < TABLE; i++)
		CHECK_EQ(io_uring_register_ring_fd(&others[i]), 1);
	run_with_probe(rt);
	CHECK_EQ(places_inside, 0);
	for (int i = 0; i < TABLE; i++)
		CHECK_EQ(io_uring_unregister_ring_fd(&others[i]), 1);

	/* Another thread runs it; a third destroys it. */
	pthread_t th;
	spawn_both(rt);
	CHECK_EQ(pthread_create(&th, NULL, other_thread_run, rt), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(urt_run(rt), 0); /* back on this thread: it becomes the owner */
	run_with_probe(rt);
	CHECK_EQ(places_inside, TABLE - 1);
	CHECK_EQ(pthread_create(&th, NULL, other_thread_destroy, rt), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	CHECK_EQ(free_places(), TABLE);

	for (int i = 0; i < TABLE; i++)
		io_uring_queue_exit(&others[i]);
	printf("ring_fd_registered: ok\n");
	return 0;
}
