/* A registered fd that is closed (urt_close, or urt_unregister_file + close(2)) no longer reaches the old file: the number's next owner gets the writes. */
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <unistd.h>

static char path_a[] = "/tmp/urt-regA-XXXXXX", path_b[] = "/tmp/urt-regB-XXXXXX";
static char path_c[] = "/tmp/urt-regC-XXXXXX", path_d[] = "/tmp/urt-regD-XXXXXX";
static struct urt *rt;

static off_t size_of(const char *path)
{
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	off_t n = lseek(fd, 0, SEEK_END);
	close(fd);
	return n;
}

static void task(void *arg)
{
	(void)arg;
	int a = open(path_a, O_RDWR);
	CHECK(a >= 0);
	CHECK_EQ(urt_register_files(rt, &a, 1), 0);
	CHECK_EQ(urt_write(a, "old!", 4, 0), 4); /* through the fixed table */
	CHECK_EQ(urt_close(a), 0);
	/* The number is free: an op on it is -EBADF, not a write to the old file. */
	CHECK_EQ(urt_write(a, "lost", 4, 0), -EBADF);
	int b = open(path_b, O_RDWR);
	CHECK_EQ(b, a); /* lowest free number: the same one */
	CHECK_EQ(urt_write(b, "new!", 4, 0), 4);
	char got[8] = { 0 };
	CHECK_EQ(pread(b, got, sizeof got, 0), 4);
	CHECK(memcmp(got, "new!", 4) == 0);
	CHECK_EQ(size_of(path_a), 4); /* the old file got only its own write */
#ifndef URT_OLD_API
	/* close(2) users unregister first. */
	int c = open(path_c, O_RDWR);
	CHECK(c >= 0);
	int fds[2] = { b, c };
	/* A second registration replaces the first. */
	CHECK_EQ(urt_register_files(rt, fds, 2), 0);
	CHECK_EQ(urt_unregister_file(rt, c), 0);
	CHECK_EQ(urt_unregister_file(rt, c), -EBADF); /* not registered any more */
	CHECK_EQ(close(c), 0);
	int d = open(path_d, O_RDWR);
	CHECK_EQ(d, c);
	CHECK_EQ(urt_write(d, "dddd", 4, 0), 4);
	CHECK_EQ(size_of(path_d), 4);
	CHECK_EQ(size_of(path_c), 0);
	CHECK_EQ(urt_write(b, "more", 4, 4), 4); /* b still registered, still right */
	CHECK_EQ(size_of(path_b), 8);
	CHECK_EQ(urt_unregister_files(rt), 0);
	CHECK_EQ(urt_unregister_files(rt), -ENXIO); /* nothing registered */
	CHECK_EQ(urt_write(d, "DDDD", 4, 4), 4);
	CHECK_EQ(size_of(path_d), 8);
	/* Bad arguments. */
	int bad = -1;
	CHECK_EQ(urt_register_files(rt, &bad, 1), -EBADF);
	int dup2fds[2] = { b, b };
	CHECK_EQ(urt_register_files(rt, dup2fds, 2), -EINVAL);
	CHECK_EQ(urt_unregister_file(rt, -1), -EBADF);
	close(d);
#endif
	close(b);
}

int main(void)
{
	char *paths[] = { path_a, path_b, path_c, path_d };
	for (int i = 0; i < 4; i++) {
		int fd = mkstemp(paths[i]);
		CHECK(fd >= 0);
		close(fd);
	}
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	int ret = urt_run(rt);
	urt_destroy(rt);
	for (int i = 0; i < 4; i++)
		unlink(paths[i]);
	CHECK_EQ(ret, 0);
	return 0;
}
