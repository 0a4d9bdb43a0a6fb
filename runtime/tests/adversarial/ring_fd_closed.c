/* The ring's fd closed behind the runtime's back: urt_run ends with an error instead of spinning, and urt_destroy returns. */
#include "adv.h"

#include <dirent.h>
#include <time.h>

/* Closes every io_uring fd of the process; returns how many. */
static int close_rings(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int n = 0, fds[64];
	struct dirent *e;
	while ((e = readdir(d)) && n < 64) {
		char link[300], target[128];
		snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
		ssize_t k = readlink(link, target, sizeof target - 1);
		if (k > 0) {
			target[k] = 0;
			if (strstr(target, "io_uring"))
				fds[n++] = atoi(e->d_name);
		}
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return n;
}

static int nops_ok;

static void task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++)
		if (urt_nop() == 0)
			nops_ok++;
}

int main(void)
{
	adv_watchdog(20, "urt_run after the ring fd was closed");
	struct urt *rt;
	CHECK_EQ(urt_create(&rt, NULL), 0);
	CHECK(close_rings() >= 1);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int r = urt_run(rt);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fprintf(stderr, "urt_run = %d after %.3f s, %d nops succeeded\n", r,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9, nops_ok);
	CHECK(r < 0);
	CHECK(nops_ok < 100);
	adv_what = "urt_destroy after the ring fd was closed";
	urt_destroy(rt);
	return 0;
}
