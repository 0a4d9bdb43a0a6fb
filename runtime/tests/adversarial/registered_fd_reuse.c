/* A registered fd that is closed (urt_close) and whose number is reused by a new file: the old number gives -EBADF, then the new file gets every byte; the old file gets nothing more. */
#include "adv.h"

#include <fcntl.h>
#include <sys/stat.h>

static char path1[] = "/tmp/urt-adv-reg1-XXXXXX", path2[] = "/tmp/urt-adv-reg2-XXXXXX";
static int fd;

static off_t size_of(const char *path)
{
	struct stat st;
	CHECK(stat(path, &st) == 0);
	return st.st_size;
}

static void task(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_write(fd, "old!", 4, 0), 4);
	CHECK_EQ(urt_close(fd), 0);
	CHECK_EQ(urt_write(fd, "gone", 4, 4), -EBADF);
	int nfd = open(path2, O_RDWR);
	CHECK_EQ(nfd, fd); /* the lowest free number: the same one */
	CHECK_EQ(urt_write(nfd, "new!", 4, 0), 4);
	char buf[8] = { 0 };
	CHECK_EQ(urt_read(nfd, buf, 8, 0), 4);
	CHECK(memcmp(buf, "new!", 4) == 0);
	CHECK_EQ(size_of(path1), 4);
	CHECK_EQ(size_of(path2), 4);
	int ofd = open(path1, O_RDONLY);
	CHECK(ofd >= 0);
	CHECK_EQ(pread(ofd, buf, 8, 0), 4);
	CHECK(memcmp(buf, "old!", 4) == 0);
	close(ofd);
	close(nfd);
}

int main(void)
{
	adv_watchdog(20, "registered_fd_reuse");
	int t = mkstemp(path2);
	CHECK(t >= 0);
	close(t);
	fd = mkstemp(path1);
	CHECK(fd >= 0);
	struct urt *rt;
	CHECK_EQ(urt_create(&rt, NULL), 0);
	CHECK_EQ(urt_register_files(rt, &fd, 1), 0);
	CHECK_EQ(urt_spawn(rt, task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	unlink(path1);
	unlink(path2);
	return 0;
}
