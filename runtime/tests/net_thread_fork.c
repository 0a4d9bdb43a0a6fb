/* Every socket call follows the threading and fork rules: -EPERM from a thread that is not running a task (the task calls) or not the owner (the ring calls), -ECHILD in a child forked inside a task. */
#define _GNU_SOURCE
#include "check.h"
#include "watchdog.h"
#include <pthread.h>
#include <sys/wait.h>
#include <urt.h>

static struct urt *rt;
static struct urt_bufring *br;

/* Every call that needs a task or the owner, with plausible arguments;
 * each must give want. */
static int all_calls(int want)
{
	char b[4];
	struct iovec iov = { b, sizeof b };
	struct msghdr m = { 0 };
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	struct urt_listener *l;
	struct urt_receiver *r;
	struct urt_bufring *br2;
	void *p;
	int bad = 0;
#define EXPECT(call)                                                                      \
	do {                                                                              \
		long long got_ = (long long)(call);                                       \
		if (got_ != want) {                                                       \
			fprintf(stderr, "%s = %lld, want %d\n", #call, got_, want);       \
			bad = 1;                                                          \
		}                                                                         \
	} while (0)
	EXPECT(urt_sendmsg(0, &m, 0));
	EXPECT(urt_recvmsg(0, &m, 0));
	EXPECT(urt_shutdown(0, SHUT_RDWR));
	EXPECT(urt_send_zc(0, b, 1, 0));
	EXPECT(urt_accept_multishot(&l, 0, 0));
	EXPECT(urt_recv_buf(0, br, &p, 0));
	EXPECT(urt_recv_multishot(&r, 0, br, 0));
	EXPECT(urt_bufring_create(&br2, rt, 2, 64));
	EXPECT(urt_buf_release(br, b));
	EXPECT(urt_bufring_destroy(br));
	return bad;
}

static void *other_thread(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)all_calls(-EPERM);
}

static void task(void *arg)
{
	(void)arg;
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		_exit(all_calls(-ECHILD));
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

int main(void)
{
	watchdog(20, "thread and fork rules");
	CHECK_EQ(check_create(&rt, NULL), 0);
	int r = urt_bufring_create(&br, rt, 2, 64);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		SKIP("no provided buffer rings in this kernel");
	CHECK_EQ(r, 0);
	pthread_t th;
	void *res;
	CHECK_EQ(pthread_create(&th, NULL, other_thread, NULL), 0);
	CHECK_EQ(pthread_join(th, &res), 0);
	CHECK_EQ((intptr_t)res, 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(urt_bufring_destroy(br), 0);
	urt_destroy(rt);
	return 0;
}
