/*
 * The ring fd closed behind the runtime while urt_run has it registered:
 * the registration keeps the ring reachable on that thread, so the run
 * sees nothing, but it cannot be taken back at the end.  urt_run must then
 * not leave the index behind: another thread that then runs the runtime,
 * with a ring of its own registered at the same index, used to enter that
 * ring instead and wait on it for ever (and its urt_run's unregister took
 * that ring's registration away).  The loss is an error (README: an enter
 * failing on a closed ring fd is fatal), at the latest on that thread.
 */
#include "check.h"
#include "watchdog.h"
#include <urt.h>

#include <dirent.h>
#include <liburing.h>
#include <pthread.h>
#include <unistd.h>

static int find_ring_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int found = -1;
	for (struct dirent *e; (e = readdir(d));) {
		char path[300], target[64];
		snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
		ssize_t n = readlink(path, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strstr(target, "io_uring") && atoi(e->d_name) > found)
			found = atoi(e->d_name); /* the highest: the last made */
	}
	closedir(d);
	return found;
}

static void saboteur(void *arg)
{
	(void)arg;
	/* urt_run registers its ring fd from its 16th turn: get there first. */
	for (int i = 0; i < 40; i++)
		urt_yield();
	int fd = find_ring_fd(); /* urt's, the last made */
	CHECK(fd >= 0);
	CHECK_EQ(close(fd), 0);
	(void)urt_nop(); /* through the registration: may well succeed */
}

static int nop_res = 1;

static void nop_task(void *arg)
{
	(void)arg;
	nop_res = urt_nop();
}

static int other_ret = 1;
static struct io_uring mine; /* made before urt's fd is closed: not its number */

static void *other_thread(void *arg)
{
	struct urt *rt = arg;
	CHECK_EQ(io_uring_register_ring_fd(&mine), 1);
	other_ret = urt_run(rt);
	/* Its own ring is untouched. */
	struct io_uring_sqe *sqe = io_uring_get_sqe(&mine);
	CHECK(sqe);
	io_uring_prep_nop(sqe);
	CHECK_EQ(io_uring_submit(&mine), 1);
	io_uring_queue_exit(&mine);
	return NULL;
}

int main(void)
{
	watchdog(20, "urt_run after the registered ring fd was closed");
	CHECK_EQ(io_uring_queue_init(4, &mine, 0), 0);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, saboteur, NULL), 0);
	int r = urt_run(rt);
	fprintf(stderr, "urt_run after closing the ring fd: %d\n", r);
	/* liburing 2.3 unregisters through the fd: that fails, and urt_run
	 * reports it.  2.4+ on Linux 6.3+ unregisters through the index
	 * itself: that works, and the closed fd is found at the next enter. */
	CHECK(r <= 0);
	CHECK_EQ(urt_spawn(rt, nop_task, NULL), 0);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, other_thread, rt), 0);
	CHECK_EQ(pthread_join(th, NULL), 0);
	fprintf(stderr, "another thread's urt_run: %d\n", other_ret);
	CHECK(other_ret < 0); /* an error, not a wait on another ring */
	if (r < 0)
		CHECK_EQ(other_ret, r); /* the same, at once */
	CHECK(nop_res != 0); /* the NOP did not go through another ring */
	urt_destroy(rt);
	printf("ring_fd_closed_registered: ok\n");
	return 0;
}
