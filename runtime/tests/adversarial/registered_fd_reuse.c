/* A registered fd that is closed (urt_close, or close(2) after urt_unregister_file) and whose number is reused by a new file: the old number gives -EBADF, then the new file gets every byte; the old file gets nothing more. */
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

static int by_close2; /* 0: urt_close; 1: urt_unregister_file + close(2); 2: urt_unregister_files + close(2) */

static void task(void *arg)
{
	(void)arg;
	CHECK_EQ(urt_write(fd, "old!", 4, 0), 4);
	if (by_close2 == 0) {
		CHECK_EQ(urt_close(fd), 0);
	} else {
		CHECK_EQ(by_close2 == 1 ? urt_unregister_file(urt_current(), fd) : urt_unregister_files(urt_current()), 0);
		CHECK_EQ(close(fd), 0);
	}
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
	for (by_close2 = 0; by_close2 < 3; by_close2++) {
		strcpy(path1, "/tmp/urt-adv-reg1-XXXXXX");
		strcpy(path2, "/tmp/urt-adv-reg2-XXXXXX");
		int t = mkstemp(path2);
		CHECK(t >= 0);
		close(t);
		fd = mkstemp(path1);
		CHECK(fd >= 0);
		struct urt *rt;
		CHECK_EQ(urt_create(&rt, NULL), 0);
		int other = open("/dev/null", O_RDONLY); /* a second registered fd that stays */
		CHECK(other >= 0);
		int fds[2] = { fd, other };
		CHECK_EQ(urt_register_files(rt, fds, 2), 0);
		CHECK_EQ(urt_spawn(rt, task, NULL), 0);
		CHECK_EQ(urt_run(rt), 0);
		if (by_close2 != 2) {
			CHECK_EQ(urt_unregister_file(rt, fd), -EBADF); /* no longer registered */
			CHECK_EQ(urt_unregister_file(rt, other), 0);
		}
		CHECK_EQ(urt_unregister_files(rt), -ENXIO); /* none left */
		urt_destroy(rt);
		close(other);
		unlink(path1);
		unlink(path2);
	}
	return 0;
}
