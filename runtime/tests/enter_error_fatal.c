/* A persistent io_uring_enter failure (the ring fd replaced or closed behind the runtime, and urt_run's registration of it dropped) ends urt_run with an error instead of spinning. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>
#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <sys/syscall.h>
#include <unistd.h>

static int pipefd[2];
static int mode; /* 0: dup2 /dev/null over the ring fd, 1: close it */
static ssize_t read_res = 1;

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
		if (strstr(target, "io_uring"))
			found = atoi(e->d_name);
	}
	closedir(d);
	return found;
}

static void saboteur(void *arg)
{
	(void)arg;
	/* First let the reader's read reach the kernel: one op, one poll. */
	CHECK_EQ(urt_nop(), 0);
	int fd = find_ring_fd();
	CHECK(fd >= 0);
	/* urt_run enters by its registered index, which the fd no longer
	 * matters to: drop every registration of this thread first. */
	for (unsigned i = 0; i < 16; i++) {
		struct io_uring_rsrc_update up = { .offset = i };
		syscall(__NR_io_uring_register, fd, IORING_UNREGISTER_RING_FDS, &up, 1);
	}
	if (mode == 0) {
		int null = open("/dev/null", O_RDWR);
		CHECK(null >= 0);
		CHECK_EQ(dup2(null, fd), fd);
		close(null);
	} else {
		CHECK_EQ(close(fd), 0);
	}
	/* Something for the next enter to submit: it fails with the error. */
	CHECK(urt_nop() < 0);
}

static void reader(void *arg)
{
	(void)arg;
	char c;
	read_res = urt_read(pipefd[0], &c, 1, -1); /* never written: only a fatal error ends it */
}

int main(void)
{
	for (mode = 0; mode < 2; mode++) {
		watchdog(20, mode == 0 ? "urt_run after dup2 over the ring fd" : "urt_run after close of the ring fd");
		CHECK_EQ(pipe(pipefd), 0);
		struct urt *rt;
		struct urt_config cfg = { 0 };
		int r = check_create(&rt, &cfg);
		CHECK_EQ(r, 0);
		CHECK_EQ(urt_spawn(rt, reader, NULL), 0);
		CHECK_EQ(urt_spawn(rt, saboteur, NULL), 0);
		r = urt_run(rt);
		fprintf(stderr, "mode %d: urt_run = %d\n", mode, r);
		CHECK(r < 0);
		/* Later calls report the same error at once. */
		CHECK_EQ(urt_run(rt), r);
		urt_destroy(rt);
		close(pipefd[0]), close(pipefd[1]);
		alarm(0);
	}
	return 0;
}
