/* Every SQE slot filled with 0xff before each operation: the runtime sets or clears every field it relies on, whatever liburing's prep helpers leave alone. */
#include "check.h"
#include "watchdog.h"
#include "internal.h" /* the ring's SQE array, to dirty it */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

static struct urt *rt;
static char fixed_w[512], fixed_r[512]; /* registered buffers 0 and 1 */
static int filefd, sv[2];

/* Every slot, not only the next one: the runtime may use any. */
static void dirty(void)
{
	/* Queued but unsubmitted SQEs would be destroyed: there must be none. */
	CHECK_EQ(io_uring_sq_ready(&rt->ring), 0);
	memset(rt->ring.sq.sqes, 0xff, (size_t)rt->ring.sq.ring_entries * sizeof(struct io_uring_sqe));
}

static void task(void *arg)
{
	(void)arg;
	char wbuf[512], rbuf[512];
	for (int round = 0; round < 50; round++) {
		memset(wbuf, 'a' + round % 26, sizeof wbuf);
		dirty();
		CHECK_EQ(urt_write(filefd, wbuf, sizeof wbuf, 0), sizeof wbuf);
		dirty();
		memset(rbuf, 0, sizeof rbuf);
		CHECK_EQ(urt_read(filefd, rbuf, sizeof rbuf, 0), sizeof rbuf);
		CHECK(memcmp(rbuf, wbuf, sizeof wbuf) == 0);
		dirty();
		memset(fixed_w, 'A' + round % 26, sizeof fixed_w);
		CHECK_EQ(urt_write_fixed(filefd, fixed_w, 100, 100, 0), 100);
		dirty();
		memset(fixed_r, 0, sizeof fixed_r);
		CHECK_EQ(urt_read_fixed(filefd, fixed_r, 100, 100, 1), 100);
		CHECK(memcmp(fixed_r, fixed_w, 100) == 0);
		dirty();
		CHECK_EQ(urt_send(sv[0], wbuf, 64, 0), 64);
		dirty();
		memset(rbuf, 0, sizeof rbuf);
		CHECK_EQ(urt_recv(sv[1], rbuf, sizeof rbuf, 0), 64);
		CHECK(memcmp(rbuf, wbuf, 64) == 0);
		dirty();
		CHECK_EQ(urt_sleep(1000), 0);
		dirty();
		CHECK_EQ(urt_nop(), 0);
		dirty();
		struct urt_future *f;
		CHECK_EQ(urt_read_async(&f, filefd, rbuf, 10, 0), 0);
		CHECK_EQ(urt_await(f), 10);
		dirty();
		CHECK_EQ(urt_fsync(filefd), 0);
	}
}

int main(void)
{
	watchdog(60, "operations on dirtied SQE slots");
	char path[] = "/tmp/urt-sqeXXXXXX";
	filefd = mkstemp(path);
	CHECK(filefd >= 0);
	unlink(path);
	CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	struct urt_config cfg = { .entries = 8 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	struct iovec iov[2] = { { fixed_w, sizeof fixed_w }, { fixed_r, sizeof fixed_r } };
	CHECK_EQ(urt_register_buffers(rt, iov, 2), 0);
	/* A registered file too: ops on other fds must not inherit its flag. */
	int fds[1] = { filefd };
	CHECK_EQ(urt_register_files(rt, fds, 1), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	close(filefd), close(sv[0]), close(sv[1]);
	return 0;
}
