/* A storm of signals (SIGALRM every 200 us and SIGUSR1 from a thread, handlers without SA_RESTART) during file, pipe and timer I/O in fresh processes: no operation fails with -EINTR or -ECANCELED, every byte arrives. */
#include "adv.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/time.h>
#include <sys/wait.h>

static volatile sig_atomic_t hits;
static void on_signal(int sig)
{
	(void)sig;
	hits++;
}

static char path[64];
static int pp[2];

static void io_task(void *arg)
{
	int id = (int)(intptr_t)arg;
	int fd = open(path, O_RDWR);
	CHECK(fd >= 0);
	static char bufs[4][65536], back[4][65536];
	char *buf = bufs[id], *bk = back[id];
	for (int i = 0; i < 40; i++) {
		memset(buf, 'a' + (id * 7 + i) % 26, 65536);
		off_t off = (off_t)(id * 40 + i) * 65536;
		ssize_t w = urt_write(fd, buf, 65536, off); /* buffered: io-wq */
		if (w != 65536)
			fprintf(stderr, "task %d op %d: urt_write = %zd\n", id, i, w);
		CHECK_EQ(w, 65536);
		CHECK_EQ(urt_read_full(fd, bk, 65536, off), 65536);
		CHECK(memcmp(buf, bk, 65536) == 0);
		CHECK_EQ(urt_sleep(50 * 1000), 0);
		CHECK_EQ(urt_nop(), 0);
	}
	CHECK_EQ(urt_fsync(fd), 0);
	close(fd);
}

static void pipe_writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 200; i++)
		CHECK_EQ(urt_write_all(pp[1], "0123456789abcdef", 16, -1), 16);
	close(pp[1]);
}

static void pipe_reader(void *arg)
{
	(void)arg;
	char buf[16];
	for (int i = 0; i < 200; i++) {
		CHECK_EQ(urt_read_full(pp[0], buf, 16, -1), 16);
		CHECK(memcmp(buf, "0123456789abcdef", 16) == 0);
	}
	CHECK_EQ(urt_read(pp[0], buf, 1, -1), 0);
	close(pp[0]);
}

static volatile int stop;
static void *usr1_storm(void *arg)
{
	pid_t pid = *(pid_t *)arg;
	while (!stop) {
		kill(pid, SIGUSR1);
		usleep(100);
	}
	return NULL;
}

static int child(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	pid_t self = getpid();
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, usr1_storm, &self), 0);
	CHECK(pipe(pp) == 0);
	struct urt *rt;
	CHECK_EQ(urt_create(&rt, NULL), 0);
	for (int t = 0; t < 4; t++)
		CHECK_EQ(urt_spawn(rt, io_task, (void *)(intptr_t)t), 0);
	CHECK_EQ(urt_spawn(rt, pipe_reader, NULL), 0);
	CHECK_EQ(urt_spawn(rt, pipe_writer, NULL), 0);
	int r = urt_run(rt);
	stop = 1;
	pthread_join(th, NULL);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	CHECK_EQ(r, 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	urt_destroy(rt);
	CHECK_EQ(s.errors_surfaced, 0);
	CHECK(hits > 100); /* the storm really happened */
	return 0;
}

int main(void)
{
	snprintf(path, sizeof path, "/tmp/urt-adv-sig-XXXXXX");
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	/* fresh processes: the kernel creates its io-wq workers while the storm runs */
	int failed = 0;
	for (int run = 0; run < 8; run++) {
		fflush(NULL);
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0)
			_exit(child());
		int st;
		CHECK(waitpid(pid, &st, 0) == pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "run %d: %s %d\n", run, WIFEXITED(st) ? "exit" : "signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
			failed++;
		}
	}
	unlink(path);
	if (failed)
		fprintf(stderr, "%d of 8 runs failed under the signal storm\n", failed);
	return failed ? 1 : 0;
}
