/* read/write/read_full/write_all on a regular file: positioned and at the file position, data verified. */
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <unistd.h>

#define SIZE (1 << 20)

static char path[] = "/tmp/urt-rw-XXXXXX";
static unsigned char *src, *dst;

static void task(void *arg)
{
	(void)arg;
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	CHECK_EQ(check_maybe_register(urt_current(), &fd, 1), 0);
	/* positioned: write all, read full, compare */
	CHECK_EQ(urt_write_all(fd, src, SIZE, 0), SIZE);
	CHECK_EQ(urt_fsync(fd), 0);
	CHECK_EQ(urt_read_full(fd, dst, SIZE, 0), SIZE);
	CHECK(memcmp(src, dst, SIZE) == 0);
	/* a single read at an offset is like pread */
	memset(dst, 0, SIZE);
	CHECK_EQ(urt_read(fd, dst, 100, 1000), 100);
	CHECK(memcmp(src + 1000, dst, 100) == 0);
	/* read past EOF is short, then 0 */
	CHECK_EQ(urt_read(fd, dst, 100, SIZE - 10), 10);
	CHECK_EQ(urt_read(fd, dst, 100, SIZE), 0);
	CHECK_EQ(urt_read_full(fd, dst, 100, SIZE - 30), 30);
	/* off = -1: the file position advances like read(2) */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(urt_read(fd, dst, 10, -1), 10);
	CHECK_EQ(urt_read(fd, dst + 10, 10, -1), 10);
	CHECK(memcmp(src, dst, 20) == 0);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), 20);
	/* errors come back as -errno */
	CHECK_EQ(urt_read(-1, dst, 10, 0), -EBADF);
	int ro = open(path, O_RDONLY);
	CHECK_EQ(urt_write(ro, src, 10, 0), -EBADF);
	close(ro);
	/* readv / writev */
	struct iovec iov[2] = { { dst, 7 }, { dst + 7, 9 } };
	CHECK_EQ(urt_readv(fd, iov, 2, 50), 16);
	CHECK(memcmp(src + 50, dst, 16) == 0);
	CHECK_EQ(urt_close(fd), 0);
	/* openat through the ring */
	int fd2 = urt_openat(AT_FDCWD, path, O_RDONLY, 0);
	CHECK(fd2 >= 0);
	CHECK_EQ(urt_read_full(fd2, dst, SIZE, 0), SIZE);
	CHECK(memcmp(src, dst, SIZE) == 0);
	CHECK_EQ(urt_close(fd2), 0);
	CHECK_EQ(urt_openat(AT_FDCWD, "/nonexistent/urt", O_RDONLY, 0), -ENOENT);
}

int main(void)
{
	int tmp = mkstemp(path);
	CHECK(tmp >= 0);
	close(tmp);
	src = malloc(SIZE);
	dst = calloc(1, SIZE);
	for (size_t i = 0; i < SIZE; i++)
		src[i] = (unsigned char)(i * 7 + (i >> 9));
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	unlink(path);
	free(src);
	free(dst);
	return 0;
}
