/* A full disk (a 1 MiB tmpfs in a private mount namespace) and RLIMIT_FSIZE: write_all returns the error (-ENOSPC, -EFBIG), never a count; *done of write_all_n is exactly what the file holds (the data's first bytes), and the file position follows it. */
#define _GNU_SOURCE
#include "adv.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[PATH_MAX];
static unsigned char *data, *back;
#define LEN (2u << 20)

/* One write_all of LEN bytes that cannot all fit: the error, never a
 * count (urt.h); *done of urt_write_all_n says how much is in the file,
 * and that much of the data's first bytes is there. */
static void check_write_all(const char *what, off_t off, int expect_err, off_t room)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/f-%s", dir, what);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	size_t done = 12345;
	ssize_t r = urt_write_all_n(fd, data, LEN, off, &done);
	struct stat st;
	CHECK(fstat(fd, &st) == 0);
	fprintf(stderr, "%s: write_all_n(%u bytes, off %lld) = %zd, done %zu, file size %lld, position %lld\n", what,
		LEN, (long long)off, r, done, (long long)st.st_size, (long long)lseek(fd, 0, SEEK_CUR));
	CHECK_EQ(r, -expect_err);
	CHECK_EQ(st.st_size, (off_t)done); /* exactly what was reported is there */
	CHECK(done > 0 && (off_t)done <= room);
	CHECK_EQ(pread(fd, back, LEN, 0), st.st_size);
	CHECK(memcmp(back, data, (size_t)st.st_size) == 0); /* the data's first bytes, in order */
	if (off == -1)
		CHECK_EQ(lseek(fd, 0, SEEK_CUR), st.st_size); /* after the bytes done */
	/* the plain call says the same, and the next call fails at once */
	CHECK_EQ(urt_write_all(fd, data, LEN, off == -1 ? -1 : off + (off_t)done), -expect_err);
	CHECK_EQ(urt_write_all(fd, data, LEN, 0), -expect_err);
	/* read_full of the file gets back what write_all reported */
	CHECK_EQ(lseek(fd, 0, SEEK_SET), 0);
	CHECK_EQ(urt_read_full(fd, back, LEN, -1), st.st_size);
	CHECK_EQ(lseek(fd, 0, SEEK_CUR), st.st_size);
	close(fd);
	unlink(path);
}

static void disk_task(void *arg)
{
	(void)arg;
	check_write_all("tmpfs-pos", -1, ENOSPC, 1 << 20);
	check_write_all("tmpfs-off0", 0, ENOSPC, 1 << 20);
}

static void fsize_task(void *arg)
{
	(void)arg;
	check_write_all("fsize-pos", -1, EFBIG, 100000);
	check_write_all("fsize-off0", 0, EFBIG, 100000);
	/* a plain write at the position that comes back short: urt.h allows the
	 * position to stay where it was (this kernel), else it moved by the count */
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/f-short", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK_EQ(urt_write(fd, data, 150000, -1), 100000);
	off_t pos = lseek(fd, 0, SEEK_CUR);
	CHECK(pos == 0 || pos == 100000);
	CHECK_EQ(lseek(fd, 100000, SEEK_SET), 100000);
	CHECK_EQ(urt_write(fd, data, 10, -1), -EFBIG);
	close(fd);
	unlink(path);
}

int main(void)
{
	adv_watchdog(30, "full_disk");
	signal(SIGXFSZ, SIG_IGN);
	data = malloc(LEN);
	back = malloc(LEN);
	CHECK(data && back);
	for (size_t i = 0; i < LEN; i++)
		data[i] = (unsigned char)(i * 131 + (i >> 12));

	/* RLIMIT_FSIZE in a child: the limit stays there */
	snprintf(dir, sizeof dir, "/tmp/urt-adv-disk-XXXXXX");
	CHECK(mkdtemp(dir) != NULL);
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = { 100000, 100000 };
		CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
		_exit(adv_run1(fsize_task, NULL) == 0 ? 0 : 1);
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	int fsize_ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;

	/* the full disk in a child with its own mount namespace */
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "", MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", dir, "tmpfs", 0, "size=1m") != 0)
			_exit(77);
		_exit(adv_run1(disk_task, NULL) == 0 ? 0 : 1);
	}
	CHECK(waitpid(pid, &st, 0) == pid);
	rmdir(dir);
	int disk_rc = WIFEXITED(st) ? WEXITSTATUS(st) : 1;
	if (disk_rc == 77)
		fprintf(stderr, "tmpfs part skipped: no private mount namespace here\n");
	CHECK(fsize_ok);
	CHECK(disk_rc == 0 || disk_rc == 77);
	return 0;
}
