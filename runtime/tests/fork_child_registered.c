/*
 * A child forked inside urt_run (the parent's ring fd registered at some
 * index of the parent thread's table) must not disturb the child's own
 * registered rings: urt.h promises that the child's urt_destroy of the
 * inherited runtime makes no system call on the ring.  The child fills its
 * own table with 16 registered rings, destroys the inherited runtime, and
 * then every one of its rings must still submit through its index.
 */
#include "check.h"
#include <urt.h>

#include <liburing.h>
#include <sys/wait.h>
#include <unistd.h>

#define TABLE 16 /* the kernel's IO_RINGFD_REG_MAX */

static struct urt *rt;
static int in_child;

static void forker(void *arg)
{
	(void)arg;
	/* urt_run registers its ring fd from its 16th turn: get there first. */
	for (int i = 0; i < 40; i++)
		urt_yield();
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		in_child = 1; /* back to main once the child's urt_run returns */
		return;
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	CHECK_EQ(urt_nop(), 0);
}

static int child_main(int run_ret)
{
	int bad = 0;
	if (run_ret != -ECHILD) {
		fprintf(stderr, "child: urt_run returned %d, not -ECHILD\n", run_ret);
		bad = 1;
	}
	static struct io_uring mine[TABLE];
	for (int i = 0; i < TABLE; i++) {
		CHECK_EQ(io_uring_queue_init(4, &mine[i], 0), 0);
		CHECK_EQ(io_uring_register_ring_fd(&mine[i]), 1);
	}
	urt_destroy(rt); /* the inherited copy: memory only */
	for (int i = 0; i < TABLE; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&mine[i]);
		CHECK(sqe);
		io_uring_prep_nop(sqe);
		int ret = io_uring_submit(&mine[i]);
		if (ret != 1) {
			fprintf(stderr, "child: ring %d (registered index %d) submit: %d (%s)\n", i,
				mine[i].enter_ring_fd, ret, ret < 0 ? strerror(-ret) : "");
			bad = 1;
		}
	}
	return bad;
}

int main(void)
{
	alarm(60);
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, forker, NULL), 0);
	int ret = urt_run(rt);
	if (in_child)
		_exit(child_main(ret));
	CHECK_EQ(ret, 0);
	urt_destroy(rt);
	printf("fork_child_registered: ok\n");
	return 0;
}
