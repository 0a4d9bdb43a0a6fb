/* enter_calls and sqes_submitted agree with strace's count of io_uring_enter and with the SQEs used, in the default, SQPOLL, COOP_TASKRUN and DEFER_TASKRUN modes. */
#include "check.h"
#include <urt.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOPS 2000

static int nops_done;

static void nopper(void *arg)
{
	(void)arg;
	for (int i = 0; i < NOPS; i++)
		CHECK_EQ(urt_nop(), 0);
	nops_done = 1;
}

static void yielder(void *arg)
{
	(void)arg;
	while (!nops_done)
		urt_yield();
}

/* The fixed workload: one task doing NOPS nops while another yields. */
static int workload(const char *mode)
{
	struct urt_config cfg = { 0 };
	if (!strcmp(mode, "sqpoll"))
		cfg.flags = URT_SQPOLL;
	else if (!strcmp(mode, "coop"))
		cfg.flags = URT_COOP_TASKRUN;
	else if (!strcmp(mode, "defer"))
		cfg.flags = URT_DEFER_TASKRUN;
	struct urt *rt;
	int r = check_create(&rt, &cfg);
	if (r == -EOPNOTSUPP || r == -EPERM || r == -EINVAL)
		return 77;
	CHECK_EQ(r, 0);
	CHECK_EQ(urt_spawn(rt, nopper, NULL), 0);
	CHECK_EQ(urt_spawn(rt, yielder, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	struct urt_stats s;
	urt_get_stats(rt, &s);
	/* Printed before urt_destroy, whose drain makes no enter (nothing in flight). */
	printf("%llu %llu %llu\n", (unsigned long long)s.enter_calls, (unsigned long long)s.sqes_submitted,
	       (unsigned long long)s.ops_started);
	fflush(stdout);
	urt_destroy(rt);
	return 0;
}

/* calls of io_uring_enter in strace -c's table; 0 when it has no row. */
static long strace_calls(const char *path)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	char line[256];
	long calls = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strstr(line, " io_uring_enter"))
			continue;
		double pct, secs;
		long usecs;
		CHECK(sscanf(line, "%lf %lf %ld %ld", &pct, &secs, &usecs, &calls) == 4);
	}
	fclose(f);
	return calls;
}

static int one_mode(const char *mode)
{
	char out[] = "/tmp/urt-strace-XXXXXX";
	int ofd = mkstemp(out);
	CHECK(ofd >= 0);
	char res[] = "/tmp/urt-stats-XXXXXX";
	int rfd = mkstemp(res);
	CHECK(rfd >= 0);
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	CHECK(n > 0);
	self[n] = 0;
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		dup2(rfd, 1);
		/* LeakSanitizer cannot run under ptrace (the asan build). */
		char asan[512];
		const char *prev = getenv("ASAN_OPTIONS");
		snprintf(asan, sizeof asan, "%s%sdetect_leaks=0", prev ? prev : "", prev && *prev ? ":" : "");
		setenv("ASAN_OPTIONS", asan, 1);
		execlp("strace", "strace", "-f", "-qq", "-c", "-e", "trace=io_uring_enter", "-o", out, self,
		       "--workload", mode, (char *)NULL);
		_exit(127);
	}
	int st;
	CHECK_EQ(waitpid(pid, &st, 0), pid);
	CHECK(WIFEXITED(st));
	int code = WEXITSTATUS(st);
	if (code == 77) {
		printf("%-7s skipped: the kernel refuses this mode\n", mode);
		unlink(out), unlink(res);
		return 0;
	}
	if (code != 0) {
		fprintf(stderr, "%s: strace or the workload exited %d\n", mode, code);
		unlink(out), unlink(res);
		return code == 127 ? 77 : 1;
	}
	FILE *f = fdopen(rfd, "r");
	CHECK(f != NULL);
	rewind(f);
	unsigned long long enters, sqes, ops;
	CHECK(fscanf(f, "%llu %llu %llu", &enters, &sqes, &ops) == 3);
	fclose(f);
	long real = strace_calls(out);
	close(ofd);
	unlink(out), unlink(res);
	printf("%-7s enter_calls %llu, strace %ld; sqes_submitted %llu, ops %llu\n", mode, enters, real, sqes, ops);
	CHECK_EQ(enters, real);
	CHECK_EQ(sqes, ops); /* one SQE per nop, none counted twice */
	CHECK_EQ(ops, NOPS);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--workload"))
		return workload(argv[2]);
	if (system("strace -qq -e trace=none true >/dev/null 2>&1") != 0)
		SKIP("strace missing or cannot trace here");
	const char *modes[] = { "default", "sqpoll", "coop", "defer" };
	for (unsigned i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		int r = one_mode(modes[i]);
		if (r == 77)
			SKIP("strace could not run the workload");
		CHECK_EQ(r, 0);
	}
	return 0;
}
