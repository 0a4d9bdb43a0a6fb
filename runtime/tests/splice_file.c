/* urt_splice copies a file into another through a pipe byte for byte at explicit offsets, moves the file position with -1, reports EOF as 0, and answers -EINVAL / -ESPIPE / -EBADF / -EPERM for bad arguments without touching errno. */
#define _GNU_SOURCE
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <unistd.h>

#define SIZE (3 * 1000 * 1000 + 17) /* not a multiple of a page or of the pipe */
static char src_path[] = "/tmp/urt-splice-src.XXXXXX";
static char dst_path[] = "/tmp/urt-splice-dst.XXXXXX";
static unsigned char *data, *back;
static int src, dst;

/* Moves [off, off + len) of src to the same offset of dst through p. */
static void copy_range(const int p[2], off_t off, size_t len)
{
	while (len > 0) {
		ssize_t in = urt_splice(src, off, p[1], -1, len, SPLICE_F_MOVE);
		CHECK(in > 0);
		for (ssize_t out = 0; out < in;) {
			ssize_t n = urt_splice(p[0], -1, dst, off + out, (size_t)(in - out), SPLICE_F_MOVE);
			CHECK(n > 0);
			out += n;
		}
		off += in;
		len -= (size_t)in;
	}
}

static void task(void *arg)
{
	(void)arg;
	int p[2];
	CHECK_EQ(pipe2(p, O_CLOEXEC), 0);
	int fds[] = { src, dst, p[0], p[1] };
	CHECK_EQ(check_maybe_register(urt_current(), fds, 4), 0);

	/* Two halves out of order, at explicit offsets: the file positions stay. */
	copy_range(p, SIZE / 2, SIZE - SIZE / 2);
	copy_range(p, 0, SIZE / 2);
	CHECK_EQ(lseek(src, 0, SEEK_CUR), 0);
	CHECK_EQ(lseek(dst, 0, SEEK_CUR), 0);
	CHECK_EQ(pread(dst, back, SIZE + 1, 0), SIZE);
	CHECK(memcmp(back, data, SIZE) == 0);

	/* At the end of the input: 0, nothing in the pipe. */
	CHECK_EQ(urt_splice(src, SIZE, p[1], -1, 4096, 0), 0);
	CHECK_EQ(urt_splice(src, SIZE + 100, p[1], -1, 4096, 0), 0);

	/* off -1 on a file: from the file position, which moves. */
	CHECK_EQ(lseek(src, 1000, SEEK_SET), 1000);
	CHECK_EQ(urt_splice(src, -1, p[1], -1, 5000, 0), 5000);
	CHECK_EQ(lseek(src, 0, SEEK_CUR), 6000);
	unsigned char small[5000];
	CHECK_EQ(read(p[0], small, sizeof small), 5000);
	CHECK(memcmp(small, data + 1000, 5000) == 0);

	/* Bad input, with errno left as it was. */
	errno = 1234;
	int other = open(src_path, O_RDONLY | O_CLOEXEC);
	CHECK(other >= 0);
	CHECK_EQ(urt_splice(src, 0, other, 0, 100, 0), -EBADF);     /* dst not open for writing */
	CHECK_EQ(urt_splice(src, 0, dst, 0, 100, 0), -EINVAL);      /* no pipe on either side */
	CHECK_EQ(urt_splice(p[0], 0, dst, 0, 100, 0), -ESPIPE);     /* an offset for the pipe */
	CHECK_EQ(urt_splice(src, 0, p[1], -1, 100, 1u << 31), -EINVAL); /* SPLICE_F_FD_IN_FIXED is ours */
	CHECK_EQ(urt_splice(src, -2, p[1], -1, 100, 0), -EINVAL);
	CHECK_EQ(urt_splice(-1, 0, p[1], -1, 100, 0), -EBADF);
	CHECK_EQ(errno, 1234);
	close(other);
	CHECK_EQ(check_close(p[0]), 0);
	CHECK_EQ(check_close(p[1]), 0);
}

int main(void)
{
	data = malloc(SIZE);
	back = malloc(SIZE + 1);
	CHECK(data && back);
	uint32_t x = 777;
	for (size_t i = 0; i < SIZE; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
	src = mkostemp(src_path, O_CLOEXEC);
	dst = mkostemp(dst_path, O_CLOEXEC);
	CHECK(src >= 0 && dst >= 0);
	unlink(src_path); /* the names are needed once more below: re-created from the fd */
	CHECK_EQ(pwrite(src, data, SIZE, 0), SIZE);
	/* A read-only fd on the same file, for the -EBADF check. */
	snprintf(src_path, sizeof src_path, "/proc/self/fd/%d", src);
	unlink(dst_path);

	CHECK_EQ(urt_splice(src, 0, dst, 0, 1, 0), -EPERM); /* outside a task */
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	close(src);
	close(dst);
	free(data);
	free(back);
	puts("splice_file: ok");
	return 0;
}
