/* wait_nr = 2 and 8 with two tasks whose reads depend on each other (A waits for B's write, B for another thread's): urt_run finishes, no deadlock. */
#include "adv.h"

#include <pthread.h>

static int p[2], q[2];
static int done_a, done_b;

static void task_a(void *arg)
{
	(void)arg;
	char c;
	CHECK_EQ(urt_read(p[0], &c, 1, -1), 1);
	CHECK_EQ(c, 'p');
	done_a = 1;
}

static void task_b(void *arg)
{
	(void)arg;
	char c;
	CHECK_EQ(urt_read(q[0], &c, 1, -1), 1);
	CHECK_EQ(c, 'q');
	CHECK_EQ(urt_write(p[1], "p", 1, -1), 1);
	done_b = 1;
}

static void *writer(void *arg)
{
	usleep((useconds_t)(uintptr_t)arg);
	CHECK_EQ(write(q[1], "q", 1), 1);
	return NULL;
}

int main(void)
{
	adv_watchdog(30, "urt_run with wait_nr >= 2 and cross-dependent pipes");
	const unsigned waits[] = { 2, 8 };
	const unsigned flags[] = { 0, URT_COOP_TASKRUN, URT_DEFER_TASKRUN, URT_SQPOLL };
	for (unsigned w = 0; w < 2; w++)
		for (unsigned fl = 0; fl < 4; fl++)
			for (unsigned delay = 0; delay <= 30000; delay += 30000) {
				CHECK(pipe(p) == 0 && pipe(q) == 0);
				done_a = done_b = 0;
				struct urt *rt;
				struct urt_config cfg = { .wait_nr = waits[w], .flags = flags[fl] };
				int r = urt_create(&rt, &cfg);
				if (r == -EOPNOTSUPP)
					continue; /* that flag is not available on this kernel */
				CHECK_EQ(r, 0);
				CHECK_EQ(urt_spawn(rt, task_a, NULL), 0);
				CHECK_EQ(urt_spawn(rt, task_b, NULL), 0);
				pthread_t th;
				CHECK_EQ(pthread_create(&th, NULL, writer, (void *)(uintptr_t)delay), 0);
				CHECK_EQ(urt_run(rt), 0);
				pthread_join(th, NULL);
				CHECK(done_a && done_b);
				urt_destroy(rt);
				close(p[0]), close(p[1]), close(q[0]), close(q[1]);
			}
	return 0;
}
