/* Another thread cannot use a runtime it does not own (urt_spawn/urt_register_* -EPERM, urt_run -EBUSY while it runs) but can hand it work with urt_spawn_remote, which wakes a runtime blocked in the kernel; 2000 remote spawns from two threads all run exactly once. */
#include "check.h"
#include <urt.h>

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#define PER_THREAD 1000
static struct urt *rt;
static int p[2];
static atomic_int blocked, counted, a_done;
static char got[4];

static void count(void *arg)
{
	(void)arg;
	atomic_fetch_add(&counted, 1);
	if (atomic_load(&counted) % 64 == 0)
		CHECK_EQ(urt_nop(), 0);
}

static void writer(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_write(p[1], "wake", 4, -1), 4);
}

static void waiter(void *arg)
{
	(void)arg;
	atomic_store(&blocked, 1);
	/* Nothing else runs here: the loop waits in io_uring_enter until a
	 * remote spawn wakes it. */
	CHECK_EQ(urt_read(p[0], got, 4, -1), 4);
}

static void noop(void *arg)
{
	(void)arg;
}

static void *other_thread(void *arg)
{
	int last = *(int *)arg;
	while (!atomic_load(&blocked) || (last && !atomic_load(&a_done)))
		usleep(1000);
	CHECK_EQ(urt_spawn(rt, noop, NULL), -EPERM);
#ifndef URT_OLD_API
	CHECK_EQ(urt_run(rt), -EBUSY);
	CHECK_EQ(urt_run_once(rt), -EBUSY);
	int fd = 0;
	CHECK_EQ(urt_register_files(rt, &fd, 1), -EPERM);
	CHECK_EQ(urt_spawn_remote(rt, NULL, NULL), -EINVAL);
	CHECK_EQ(urt_spawn_remote(NULL, noop, NULL), -EINVAL);
	for (int i = 0; i < PER_THREAD; i++)
		CHECK_EQ(urt_spawn_remote(rt, count, NULL), 0);
	if (last)
		CHECK_EQ(urt_spawn_remote(rt, writer, NULL), 0);
#endif
	atomic_store(&a_done, 1);
	return NULL;
}

int main(void)
{
	alarm(60); /* a hang is a failure */
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(check_create(&rt, NULL), 0);
	/* Not listening: a remote spawn could not wake the loop. */
#ifndef URT_OLD_API
	CHECK_EQ(urt_spawn_remote(rt, noop, NULL), -ENOTCONN);
	CHECK_EQ(urt_remote_listen(rt, 1), 0);
#endif
	CHECK_EQ(urt_spawn(rt, waiter, NULL), 0);
	pthread_t a, b;
	static int zero = 0, one = 1;
	CHECK_EQ(pthread_create(&a, NULL, other_thread, &zero), 0);
	CHECK_EQ(pthread_create(&b, NULL, other_thread, &one), 0); /* spawns after a's */
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(pthread_join(a, NULL), 0);
	CHECK_EQ(pthread_join(b, NULL), 0);
#ifndef URT_OLD_API
	CHECK_EQ(atomic_load(&counted), 2 * PER_THREAD);
	CHECK(memcmp(got, "wake", 4) == 0);
	/* Spawned remotely while the runtime is idle: runs at the next urt_run. */
	CHECK_EQ(urt_spawn_remote(rt, count, NULL), 0);
	CHECK_EQ(urt_remote_listen(rt, 0), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(atomic_load(&counted), 2 * PER_THREAD + 1);
	/* Not listening any more: the loop ends rather than wait for remote work. */
	CHECK_EQ(urt_spawn_remote(rt, noop, NULL), -ENOTCONN);
#endif
	urt_destroy(rt);
	close(p[0]);
	close(p[1]);
	return 0;
}
