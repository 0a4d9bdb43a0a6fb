/* The seed design's two examples in C: read a file into a buffer, write "Hello, world!". */
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/urt-seed-XXXXXX";

static void write_example(void *arg)
{
	(void)arg;
	int fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	ssize_t n = urt_write(fd, "Hello, world!", 13, -1);
	printf("Wrote %zd bytes\n", n);
	CHECK_EQ(n, 13);
	close(fd);
	/* The read runs after the write: spawned from inside a task. */
	extern void read_example(void *);
	CHECK_EQ(urt_spawn(urt_current(), read_example, NULL), 0);
}

void read_example(void *arg)
{
	(void)arg;
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	char *buffer = calloc(1, 1024);
	ssize_t n = urt_read(fd, buffer, 1024, -1);
	printf("Read %zd bytes: %s\n", n, buffer);
	CHECK_EQ(n, 13);
	CHECK(memcmp(buffer, "Hello, world!", 13) == 0);
	free(buffer);
	close(fd);
}

int main(void)
{
	int tmp = mkstemp(path);
	CHECK(tmp >= 0);
	close(tmp);
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, write_example, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	CHECK_EQ(s.tasks_finished, 2);
	urt_destroy(rt);
	unlink(path);
	return 0;
}
