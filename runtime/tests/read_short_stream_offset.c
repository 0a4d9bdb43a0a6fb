/* Under an armed urt/read/short, a pipe read with an explicit offset (0) loses no bytes: stream-ness comes from the fd, not the offset. */
#include "check.h"
#include "watchdog.h"
#include <urt.h>
#include <fcntl.h>
#include <fiu.h>
#include <fiu-control.h>
#include <unistd.h>

#define N 4000

static int p[2];
static unsigned char got[N];
static size_t got_n;

static void reader(void *arg)
{
	(void)arg;
	for (;;) {
		ssize_t r = urt_read(p[0], got + got_n, N - got_n, 0);
		CHECK(r >= 0);
		if (r == 0)
			break;
		got_n += (size_t)r;
		if (got_n == N)
			break;
	}
}

/* The positioned case still gets cut (after the read): the fault fires. */
static int filefd;
static void file_reader(void *arg)
{
	(void)arg;
	unsigned char buf[N];
	size_t n = 0;
	while (n < N) {
		ssize_t r = urt_read(filefd, buf + n, N - n, (off_t)n);
		CHECK(r > 0);
		n += (size_t)r;
	}
	for (size_t i = 0; i < N; i++)
		CHECK_EQ(buf[i], (unsigned char)(i * 7));
}

int main(void)
{
	watchdog(30, "reading a pipe under urt/read/short");
	if (urt_faults_arm(1) == -ENOTSUP)
		SKIP("fault points compiled out");
	fiu_init(0);
	CHECK_EQ(fiu_enable("urt/read/short", 1, NULL, 0), 0);

	unsigned char data[N];
	for (size_t i = 0; i < N; i++)
		data[i] = (unsigned char)(i * 7);
	CHECK_EQ(pipe(p), 0);
	CHECK_EQ(write(p[1], data, N), N);
	close(p[1]); /* EOF after the data: a lost byte shows as a short total */

	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, reader, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	fprintf(stderr, "pipe: read %zu of %d bytes\n", got_n, N);
	CHECK_EQ(got_n, N);
	CHECK(memcmp(got, data, N) == 0);

	char path[] = "/tmp/urt-shortXXXXXX";
	filefd = mkstemp(path);
	CHECK(filefd >= 0);
	unlink(path);
	CHECK_EQ(write(filefd, data, N), N);
	CHECK_EQ(urt_spawn(rt, file_reader, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK(s.faults[URT_FAULT_READ_SHORT] > 0);
	urt_destroy(rt);
	close(filefd);
	close(p[0]);
	fiu_disable("urt/read/short");
	urt_faults_arm(0);
	return 0;
}
