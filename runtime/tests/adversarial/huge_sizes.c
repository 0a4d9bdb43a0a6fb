/* Huge and odd sizes: stack_size near SIZE_MAX is refused (never a tiny stack), len 0 is 0, len > 2 GiB moves what the kernel moves, odd ring sizes work or are refused. */
#define _GNU_SOURCE
#include "adv.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define HUGE (3ull << 30)

static int deep(int n)
{
	volatile char pad[1024]; /* about 1 KiB a level */
	pad[0] = (char)n;
	return n == 0 ? pad[0] : deep(n - 1) + pad[0];
}

/* The mapping that holds the calling task's stack is at least want bytes. */
static void check_own_stack(size_t want)
{
	char here;
	uintptr_t at = (uintptr_t)&here;
	FILE *f = fopen("/proc/self/maps", "r");
	CHECK(f != NULL);
	unsigned long lo, hi;
	char line[512];
	int found = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && at >= lo && at < hi) {
			found = 1;
			if (hi - lo < want)
				fprintf(stderr, "task stack mapping %#lx-%#lx (%lu bytes) < stack_size %zu\n", lo, hi,
					hi - lo, want);
			CHECK(hi - lo >= want);
		}
	fclose(f);
	CHECK(found);
}

static size_t want_stack;

static void uses_32k(void *arg)
{
	(void)arg;
	check_own_stack(want_stack);
	/* use half of it, at most 32 KiB: it must all be there */
	size_t kib = want_stack / 2048 > 32 ? 32 : want_stack / 2048;
	CHECK(deep((int)kib) >= 0);
}

/* In a child: a runtime with this stack size either refuses (create or
 * spawn fails, -EINVAL or -ENOMEM) or really gives the task that stack. */
static void stack_case(size_t size)
{
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct urt *rt;
		struct urt_config c = { .stack_size = size };
		int r = urt_create(&rt, &c);
		if (r < 0)
			_exit(r == -EINVAL ? 0 : 4);
		r = urt_spawn(rt, uses_32k, NULL);
		if (r < 0)
			_exit(r == -EINVAL || r == -ENOMEM ? 0 : 5);
		if (size >= (1ull << 47))
			_exit(6); /* larger than the user address space: the size was cut somewhere */
		want_stack = size;
		_exit(urt_run(rt) == 0 ? 0 : 7);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "stack_size %#zx: child %s %d\n", size, WIFEXITED(st) ? "exited" : "killed by signal",
			WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static char path[] = "/tmp/urt-adv-huge-XXXXXX";

static void io_task(void *arg)
{
	(void)arg;
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	char buf[16];
	int p[2];
	CHECK(pipe(p) == 0);
	/* len 0 */
	CHECK_EQ(urt_read(fd, buf, 0, 0), 0);
	CHECK_EQ(urt_write(fd, buf, 0, 0), 0);
	CHECK_EQ(urt_read_full(fd, buf, 0, -1), 0);
	CHECK_EQ(urt_write_all(fd, buf, 0, -1), 0);
	CHECK_EQ(urt_read(p[0], buf, 0, -1), 0); /* an empty pipe: read(2) gives 0 at once */
	CHECK_EQ(urt_write(p[1], buf, 0, -1), 0);
	CHECK_EQ(urt_read(fd, NULL, 0, 0), 0);
	/* more than 2 GiB asked */
	unsigned char *huge = mmap(NULL, HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(huge != MAP_FAILED);
	CHECK_EQ(urt_read(fd, huge, HUGE, 0), 10);
	CHECK(memcmp(huge, "0123456789", 10) == 0);
	CHECK_EQ(urt_read_full(fd, huge, HUGE, 0), 10);
	CHECK_EQ(urt_read_full(fd, huge, HUGE, 4), 6);
	int null = open("/dev/null", O_WRONLY);
	CHECK(null >= 0);
	CHECK_EQ(urt_write(null, huge, HUGE, -1), 0x7ffff000); /* MAX_RW_COUNT, like write(2) */
	CHECK_EQ(urt_write_all(null, huge, HUGE, -1), (ssize_t)HUGE);
	CHECK_EQ(urt_write_all(null, huge, HUGE, 0), (ssize_t)HUGE);
	struct iovec iov = { huge, HUGE };
	CHECK_EQ(urt_readv(fd, &iov, 1, 0), 10);
	close(null);
	munmap(huge, HUGE);
	close(p[0]);
	close(p[1]);
	close(fd);
}

static void nop_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++)
		CHECK_EQ(urt_nop(), 0);
}

int main(void)
{
	adv_watchdog(60, "huge_sizes");
	const size_t sizes[] = { SIZE_MAX, SIZE_MAX - 4095, SIZE_MAX - 65536, SIZE_MAX / 2, (size_t)1 << 62,
				 (size_t)1 << 48, 16 * 1024 + 1, 100 * 1000 + 7 };
	for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		stack_case(sizes[i]);

	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, "0123456789", 10), 10);
	close(fd);
	CHECK_EQ(adv_run1(io_task, NULL), 0);
	unlink(path);

	/* ring sizes: odd, tiny, too large */
	const unsigned entries[] = { 1, 2, 3, 5, 4097, 32768 };
	for (unsigned i = 0; i < sizeof entries / sizeof entries[0]; i++) {
		struct urt *rt;
		struct urt_config c = { .entries = entries[i] };
		int r = urt_create(&rt, &c);
		if (r < 0) {
			CHECK(r == -EINVAL || r == -ENOMEM);
			continue;
		}
		CHECK_EQ(urt_spawn(rt, nop_task, NULL), 0);
		CHECK_EQ(urt_spawn(rt, nop_task, NULL), 0);
		CHECK_EQ(urt_run(rt), 0);
		urt_destroy(rt);
	}
	struct urt *rt;
	struct urt_config c = { .entries = 32769 };
	CHECK_EQ(urt_create(&rt, &c), -EINVAL);
	return 0;
}
