/* Zero-length transfers give what the syscalls give: read/readv/write/writev of 0 bytes on pipes, sockets and files, with the peer open and closed. */
#include "adv.h"

#include <fcntl.h>
#include <sys/socket.h>

static int failures;

#define SAME(what, u, s)                                                                          \
	do {                                                                                      \
		ssize_t u_ = (u), s_ = (s);                                                       \
		if (u_ != s_) {                                                                   \
			fprintf(stderr, "%s: urt %zd, syscall %zd\n", what, u_, s_);              \
			failures++;                                                               \
		}                                                                                 \
	} while (0)

static ssize_t sys(ssize_t r)
{
	return r < 0 ? -errno : r;
}

static char path[] = "/tmp/urt-adv-zero-XXXXXX";

/* fd_u and fd_s are the same kind of fd in the same state. */
static void compare(const char *kind, int fd_u, int fd_s, int can_read)
{
	char b[1];
	struct iovec iov = { b, 0 };
	char what[96];
	if (can_read) {
		snprintf(what, sizeof what, "%s: read of 0 bytes", kind);
		SAME(what, urt_read(fd_u, b, 0, -1), sys(read(fd_s, b, 0)));
		snprintf(what, sizeof what, "%s: readv of 0 bytes", kind);
		SAME(what, urt_readv(fd_u, &iov, 1, -1), sys(readv(fd_s, &iov, 1)));
	}
	snprintf(what, sizeof what, "%s: write of 0 bytes", kind);
	SAME(what, urt_write(fd_u, b, 0, -1), sys(write(fd_s, b, 0)));
	snprintf(what, sizeof what, "%s: writev of 0 bytes", kind);
	ssize_t want = sys(writev(fd_s, &iov, 1));
	/* The one documented difference (urt.h, I/O): a zero-length writev to
	 * a socket whose peer closed answers -EPIPE through io_uring. */
	if (strstr(kind, "peer closed") && want == 0)
		want = -EPIPE;
	SAME(what, urt_writev(fd_u, &iov, 1, -1), want);
	snprintf(what, sizeof what, "%s: write_all of 0 bytes", kind);
	SAME(what, urt_write_all(fd_u, b, 0, -1), 0);
}

static void task(void *arg)
{
	(void)arg;
	int a[2], b[2];
	CHECK(pipe(a) == 0 && pipe(b) == 0);
	compare("pipe write end", a[1], b[1], 0);
	compare("empty pipe read end", a[0], b[0], 1);
	close(a[0]);
	close(b[0]);
	compare("pipe write end, reader closed", a[1], b[1], 0);
	close(a[1]);
	close(b[1]);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, b) == 0);
	compare("empty socket", a[0], b[0], 1);
	close(a[1]);
	close(b[1]);
	compare("socket, peer closed", a[0], b[0], 1);
	close(a[0]);
	close(b[0]);

	int fu = mkstemp(path);
	CHECK(fu >= 0);
	int fs = open(path, O_RDWR);
	CHECK(fs >= 0);
	compare("regular file", fu, fs, 1);
	close(fu);
	close(fs);
	unlink(path);
}

int main(void)
{
	adv_watchdog(20, "zero_length_io");
	signal(SIGPIPE, SIG_IGN);
	CHECK_EQ(adv_run1(task, NULL), 0);
	return failures ? 1 : 0;
}
