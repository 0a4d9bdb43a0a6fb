/* A storm of signals (SIGALRM every 200 us, SIGINT, no SA_RESTART) never makes an operation the program did not cancel fail with -ECANCELED. */
#include "check.h"
#include <urt.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define RUNS 30   /* fresh processes: io-wq workers are per process */
#define TASKS 8   /* fsyncs in flight at once: several workers to create */
#define WRITES 8

static volatile sig_atomic_t alarms, ints;
static void on_alarm(int sig) { (void)sig; alarms++; }
static void on_int(int sig) { (void)sig; ints++; }

static char dir[64];
static int failures;

static void writer(void *arg)
{
	static char buf[64 * 1024];
	memset(buf, 'x', sizeof buf);
	char path[128];
	snprintf(path, sizeof path, "%s/f%d", dir, (int)(uintptr_t)arg);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	for (int i = 0; i < WRITES; i++) {
		ssize_t r = urt_write(fd, buf, sizeof buf, (off_t)i * (off_t)sizeof buf);
		if (r != (ssize_t)sizeof buf) {
			fprintf(stderr, "write %d: %zd\n", i, r);
			failures++;
		}
		r = urt_fsync(fd);
		if (r != 0) {
			fprintf(stderr, "fsync %d: %zd\n", i, r);
			failures++;
		}
	}
	close(fd);
	unlink(path);
}

static volatile int stop;

static void *sigint_thread(void *arg)
{
	(void)arg;
	/* Signals go to the thread that submits (and creates io-wq workers). */
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	pid_t pid = getpid();
	while (!stop) {
		kill(pid, SIGINT);
		usleep(300);
	}
	return NULL;
}

/* One fresh process: its first punted operations create the io-wq workers. */
static int child(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm; /* no SA_RESTART */
	CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
	sa.sa_handler = on_int;
	CHECK_EQ(sigaction(SIGINT, &sa, NULL), 0);
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, sigint_thread, NULL), 0);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);

	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	for (int i = 0; i < TASKS; i++)
		CHECK_EQ(urt_spawn(rt, writer, (void *)(uintptr_t)i), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	urt_destroy(rt);

	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	stop = 1;
	pthread_join(th, NULL);
	printf("signals: %d SIGALRM, %d SIGINT; op retries %llu; failures %d\n", (int)alarms, (int)ints,
	       (unsigned long long)s.op_retries, failures);
	fflush(stdout); /* the caller leaves with _exit */
	return failures ? 1 : 0;
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/urt-sigstorm-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	int failed = 0;
	for (int run = 0; run < RUNS; run++) {
		fflush(stdout);
		pid_t pid = fork();
		CHECK(pid >= 0);
		if (pid == 0)
			_exit(child());
		int st;
		CHECK_EQ(waitpid(pid, &st, 0), pid);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	rmdir(dir);
	printf("%d of %d runs had a spurious failure\n", failed, RUNS);
	CHECK_EQ(failed, 0);
	return 0;
}
