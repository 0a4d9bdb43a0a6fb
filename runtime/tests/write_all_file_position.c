/* urt_write_all/urt_read_full with off -1 on a regular file: short writes (RLIMIT_FSIZE, a full 1 MiB tmpfs) and EOF reads surface the error, write the data's first bytes and leave the file position where write(2)/read(2) would. */
#define _GNU_SOURCE
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sched.h>
#include <unistd.h>

#define MIB (1024 * 1024)
static unsigned char *data, *back;

static void fill(void)
{
	data = malloc(2 * MIB);
	back = malloc(2 * MIB);
	CHECK(data && back);
	uint32_t x = 12345;
	for (size_t i = 0; i < 2 * MIB; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
}

/* The file holds exactly data[0..n) and fd's position is n. */
static void check_file(int fd, size_t n)
{
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), (off_t)n);
	CHECK_EQ(lseek(fd, 0, SEEK_END), (off_t)n);
	CHECK_EQ(pread(fd, back, 2 * MIB, 0), (ssize_t)n);
	CHECK(memcmp(back, data, n) == 0);
}

static int mode;       /* 0: RLIMIT_FSIZE, 1: full tmpfs */
static char path[256];

static void writer(void *arg)
{
	(void)arg;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	if (mode == 0) {
		/* No limit hit: from a non-zero position, all of it, position after it. */
		CHECK_EQ(write(fd, data, 10), 10);
		CHECK_EQ(urt_write_all(fd, data + 10, 4000, -1), 4000);
		check_file(fd, 4010);
		/* read_full to EOF: the rest, once, and the position at EOF. */
		CHECK_EQ(lseek(fd, 1000, SEEK_SET), 1000);
		memset(back, 0, 8000);
		CHECK_EQ(urt_read_full(fd, back, 8000, -1), 3010);
		CHECK(memcmp(back, data + 1000, 3010) == 0);
		CHECK_EQ(lseek(fd, 0, SEEK_CUR), 4010);
		CHECK_EQ(urt_read_full(fd, back, 8000, -1), 0);
		CHECK_EQ(ftruncate(fd, 0), 0);
		CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);

		struct rlimit old, lim;
		CHECK_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
		lim = old;
		lim.rlim_cur = 100000;
		CHECK_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
		ssize_t r = urt_write_all(fd, data, MIB, -1);
		CHECK_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
		CHECK_EQ(r, -EFBIG);
		check_file(fd, 100000);
#ifndef URT_OLD_API
		/* The _n form says how much was written before the error. */
		CHECK_EQ(ftruncate(fd, 0), 0);
		CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
		CHECK_EQ(setrlimit(RLIMIT_FSIZE, &lim), 0);
		size_t done = 1;
		r = urt_write_all_n(fd, data, MIB, -1, &done);
		CHECK_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
		CHECK_EQ(r, -EFBIG);
		CHECK_EQ(done, 100000);
		check_file(fd, 100000);
		done = 1;
		CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
		CHECK_EQ(urt_read_full_n(fd, back, MIB, -1, &done), 100000);
		CHECK_EQ(done, 100000);
#endif
	} else {
		ssize_t r = urt_write_all(fd, data, 2 * MIB, -1);
		CHECK_EQ(r, -ENOSPC);
		off_t n = lseek(fd, 0, SEEK_END);
		CHECK(n > 0 && n <= MIB);
		check_file(fd, (size_t)n);
	}
	close(fd);
}

static int run_writer(void)
{
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, writer, NULL), 0);
	int ret = urt_run(rt);
	urt_destroy(rt);
	return ret;
}

int main(void)
{
	signal(SIGXFSZ, SIG_IGN); /* RLIMIT_FSIZE: the write returns -EFBIG instead */
	fill();
	snprintf(path, sizeof path, "/tmp/urt-wafp-%d", (int)getpid());
	mode = 0;
	int ret = run_writer();
	unlink(path);
	CHECK_EQ(ret, 0);

	/* A full filesystem: a 1 MiB tmpfs in a private mount namespace of a
	 * child, so nothing outside sees it. */
	if (geteuid() != 0) {
		free(data);
		free(back);
		SKIP("the full-tmpfs half needs root (mount namespace)");
	}
	char dir[] = "/tmp/urt-wafp-mnt-XXXXXX";
	CHECK(mkdtemp(dir));
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, "") != 0 ||
		    mount("urt-test", dir, "tmpfs", 0, "size=1m") != 0) {
			perror("mount namespace");
			_exit(77);
		}
		snprintf(path, sizeof path, "%s/f", dir);
		mode = 1;
		_exit(run_writer() == 0 ? 0 : 1);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	rmdir(dir);
	free(data);
	free(back);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		SKIP("no mount namespace here");
	CHECK(WIFEXITED(st));
	CHECK_EQ(WEXITSTATUS(st), 0);
	return 0;
}
