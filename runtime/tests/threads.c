/* Two threads, a runtime each (thread-per-core): both run reads, writes and nops at once, independently. */
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

struct job {
	char path[32];
	unsigned char tag;
	unsigned ok;
};

static void worker(void *arg)
{
	struct job *j = arg;
	int fd = open(j->path, O_RDWR);
	CHECK(fd >= 0);
	unsigned char buf[4096], back[4096];
	for (int i = 0; i < 500; i++) {
		memset(buf, j->tag ^ i, sizeof buf);
		CHECK_EQ(urt_write_all(fd, buf, sizeof buf, (off_t)(i % 16) * 4096), 4096);
		CHECK_EQ(urt_read_full(fd, back, sizeof back, (off_t)(i % 16) * 4096), 4096);
		CHECK(memcmp(buf, back, sizeof buf) == 0);
		CHECK_EQ(urt_nop(), 0);
		j->ok++;
	}
	close(fd);
}

static void *thread_main(void *arg)
{
	struct job *jobs = arg;
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	for (int t = 0; t < 4; t++)
		CHECK_EQ(urt_spawn(rt, worker, &jobs[t]), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK(urt_current() == NULL);
	urt_destroy(rt);
	return NULL;
}

int main(void)
{
	static struct job jobs[2][4];
	for (int th = 0; th < 2; th++)
		for (int t = 0; t < 4; t++) {
			struct job *j = &jobs[th][t];
			strcpy(j->path, "/tmp/urt-thr-XXXXXX");
			int fd = mkstemp(j->path);
			CHECK(fd >= 0);
			close(fd);
			j->tag = (unsigned char)(th * 16 + t);
		}
	pthread_t tid[2];
	for (int th = 0; th < 2; th++)
		CHECK_EQ(pthread_create(&tid[th], NULL, thread_main, jobs[th]), 0);
	for (int th = 0; th < 2; th++)
		CHECK_EQ(pthread_join(tid[th], NULL), 0);
	for (int th = 0; th < 2; th++)
		for (int t = 0; t < 4; t++) {
			CHECK_EQ(jobs[th][t].ok, 500);
			unlink(jobs[th][t].path);
		}
	return 0;
}
