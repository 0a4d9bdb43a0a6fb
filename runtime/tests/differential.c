/* Differential: one seeded random sequence of operations runs through urt and through the plain syscalls on identical fds; every result (-errno included), every byte read, file contents, sizes and positions must match.  argv[1] names the kind: pipe, socketpair, tcp, file, file_fsize (short writes from RLIMIT_FSIZE), file_tmpfs (a 1 MiB tmpfs in a private mount namespace). */
#define _GNU_SOURCE
#include "check.h"
#include <urt.h>

#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

/*
 * The reference for each urt call is the syscall it stands for: urt_read ->
 * read (off -1) / pread, urt_readv -> readv / preadv, urt_recv -> recv, and
 * so on.  Where urt.h documents a difference, the reference implements the
 * documented rule instead (the one place these rules live):
 *  - urt_read_full / urt_write_all loop like a read/write loop: until len
 *    bytes, EOF (read) or an error.  An error returns the error, never a
 *    count (the bytes done before it come back in *done of the _n
 *    variants, compared with the loop's count); a write that makes no
 *    progress is -EIO.  With off -1 on a regular file the position ends
 *    after the bytes done, as the loop leaves it.
 *  - A single urt_read/urt_write/urt_readv/urt_writev at the file position
 *    (off -1) that comes back short may leave the position where it was
 *    (urt.h; this kernel does that for short writes).  Then the urt fd's
 *    position must be either where it was or where the syscall left it, and
 *    is set to the syscall's before the sequence goes on.
 *  - On a stream (pipe, socket) off is -1 or 0 (0: the explicit-offset
 *    stream read of issue 9's defect 14) and the reference is read/write,
 *    not pread (-ESPIPE).  Offsets > 0 on streams are left out: urt.h does
 *    not define them (io_uring ignores them on pipes, sockets give -ESPIPE).
 *  - When two errors apply (a bad iovcnt on a read-only fd), io_uring and
 *    the syscall check in different orders: such ops use the rw fd only.
 *  - A writev of 0 bytes to a socket whose peer closed is left out here:
 *    writev(2) returns 0 without asking the socket, io_uring asks it and
 *    gets -EPIPE; adversarial/zero_length_io.c tests that one case by name.
 *  - MSG_WAITALL asks for at most what is queued: io_uring completes a
 *    short WAITALL receive itself by retrying the rest, and that retry
 *    consumes a pending socket error (-ECONNRESET) that recv(2) leaves for
 *    the next call (a kernel difference urt does not hide).
 */

#define MAXLEN (4u << 20)           /* largest ordinary transfer */
#define HUGE_LEN (3ull << 30)       /* > 2 GiB: the kernel moves at most MAX_RW_COUNT */

static const char *kind;
static unsigned long long seed;
static unsigned n_ops; /* URT_DIFF_OPS, default 400 (streams) / 300 (files) */
static size_t maxlen = MAXLEN; /* under Valgrind 256 KiB: its memcmp is byte by byte */
static unsigned op_no;
static char op_desc[256];
static uint64_t rng;

static uint64_t rnd(void)
{
	/* splitmix64: one seed, the same sequence everywhere */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

#define FAIL(...)                                                                                    \
	do {                                                                                         \
		fprintf(stderr, "differential %s: seed %llu, op #%u %s: ", kind, seed, op_no, op_desc); \
		fprintf(stderr, __VA_ARGS__);                                                        \
		fprintf(stderr, "\nreplay: URT_DIFF_SEED=%llu URT_DIFF_OPS=%u URT_TEST_RING='%s' test_differential %s\n", \
			seed, n_ops, getenv("URT_TEST_RING") ? getenv("URT_TEST_RING") : "", kind);  \
		exit(1);                                                                             \
	} while (0)

static int trace; /* URT_DIFF_TRACE=1: print every comparison (to replay a failure) */

#define SAME(what, u, s)                                                                            \
	do {                                                                                        \
		long long u_ = (long long)(u), s_ = (long long)(s);                                 \
		if (trace)                                                                          \
			fprintf(stderr, "#%u %s: %s urt %lld, syscall %lld\n", op_no, op_desc, what, u_, s_); \
		if (u_ != s_)                                                                       \
			FAIL("%s: urt %lld, syscall %lld", what, u_, s_);                           \
	} while (0)

static ssize_t sys_ret(ssize_t r)
{
	return r < 0 ? -errno : r;
}

/* A length: 0, small, page-ish, tens of KiB, now and then up to max. */
static size_t pick_len(size_t max)
{
	size_t n;
	switch (below(20)) {
	case 0: case 1: n = 0; break;
	case 2: case 3: case 4: case 5: case 6: n = 1 + below(64); break;
	case 7: case 8: case 9: case 10: case 11: n = 1 + below(8192); break;
	case 12: case 13: case 14: case 15: case 16: case 17: case 18: n = 1 + below(65536); break;
	default: n = 1 + below(max ? max : 1); break;
	}
	return n > max ? max : n;
}

static unsigned char *pattern; /* 2 * MAXLEN bytes written from random starts */
static unsigned char *ubuf, *sbuf; /* read buffers: urt, syscall */
static unsigned char *huge_buf;    /* HUGE_LEN, MAP_NORESERVE: only what is read gets touched */

static void compare_bufs(ssize_t r, const unsigned char *u, const unsigned char *s)
{
	if (r > 0 && memcmp(u, s, (size_t)r) != 0) {
		size_t i = 0;
		while (u[i] == s[i])
			i++;
		FAIL("data differ at byte %zu of %zd (urt %#x, syscall %#x)", i, r, u[i], s[i]);
	}
}

/* iovecs over buf: up to 8 pieces, zero-length ones included. */
static int split_iov(struct iovec *iov, unsigned char *buf, size_t len)
{
	int n = 1 + (int)below(8);
	size_t done = 0;
	for (int i = 0; i < n; i++) {
		size_t k = i == n - 1 ? len - done : (below(4) == 0 ? 0 : below(len - done + 1));
		iov[i].iov_base = buf + done;
		iov[i].iov_len = k;
		done += k;
	}
	return n;
}

/* ---- the references: documented semantics over plain syscalls ---- */

static ssize_t ref_read(int fd, void *buf, size_t len, off_t off, int stream)
{
	return sys_ret(off == -1 || stream ? read(fd, buf, len) : pread(fd, buf, len, off));
}

static ssize_t ref_write(int fd, const void *buf, size_t len, off_t off, int stream)
{
	return sys_ret(off == -1 || stream ? write(fd, buf, len) : pwrite(fd, buf, len, off));
}

/* The loops urt_read_full/urt_write_all stand for; *done = bytes moved. */
static ssize_t ref_read_full(int fd, unsigned char *buf, size_t len, off_t off, int stream, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t r = ref_read(fd, buf + *done, len - *done, off == -1 ? -1 : off + (off_t)*done, stream);
		if (r < 0)
			return r;
		if (r == 0)
			break;
		*done += (size_t)r;
	}
	return (ssize_t)*done;
}

static ssize_t ref_write_all(int fd, const unsigned char *buf, size_t len, off_t off, int stream, size_t *done)
{
	*done = 0;
	while (*done < len) {
		ssize_t r = ref_write(fd, buf + *done, len - *done, off == -1 ? -1 : off + (off_t)*done, stream);
		if (r < 0)
			return r;
		if (r == 0)
			return -EIO;
		*done += (size_t)r;
	}
	return (ssize_t)*done;
}

#define NO_DONE ((size_t)-1)

/* urt_read_full or, at random, urt_read_full_n (then *done is compared). */
static ssize_t urt_rf(int fd, void *buf, size_t len, off_t off, size_t *done)
{
	*done = NO_DONE;
	return below(2) ? urt_read_full_n(fd, buf, len, off, done) : urt_read_full(fd, buf, len, off);
}

static ssize_t urt_wa(int fd, const void *buf, size_t len, off_t off, size_t *done)
{
	*done = NO_DONE;
	return below(2) ? urt_write_all_n(fd, buf, len, off, done) : urt_write_all(fd, buf, len, off);
}

static void same_done(size_t du, size_t ds)
{
	if (du != NO_DONE)
		SAME("bytes done (*done)", du, ds);
}

static ssize_t ref_readv(int fd, const struct iovec *iov, int n, off_t off, int stream)
{
	return sys_ret(off == -1 || stream ? readv(fd, iov, n) : preadv(fd, iov, n, off));
}

static ssize_t ref_writev(int fd, const struct iovec *iov, int n, off_t off, int stream)
{
	return sys_ret(off == -1 || stream ? writev(fd, iov, n) : pwritev(fd, iov, n, off));
}

/* ======================================================================
 * Streams: pipes, socketpairs, TCP.  End 0 and end 1 of pair A (urt) and of
 * pair B (syscalls).  A pipe carries 1 -> 0 only; sockets both ways.  The
 * model (bytes queued towards each end, which ends are open) only keeps
 * the sequence from blocking: a read is issued when data or EOF is there,
 * a write when the peer has room.  Results are never predicted, only
 * compared.
 */

struct streams {
	int a[2], b[2];
	int open[2];
	size_t q[2]; /* bytes readable at end i */
	size_t cap;
	int is_pipe, is_tcp;
};

static struct streams S;

/* Bounded wait until the kernel shows want bytes readable at both copies
 * of end e (TCP delivers through softirq; pipes and AF_UNIX at once). */
static void settle(int e)
{
	for (int i = 0; i < 20000; i++) {
		int na = -1, nb = -1;
		if (ioctl(S.a[e], FIONREAD, &na) < 0 || ioctl(S.b[e], FIONREAD, &nb) < 0)
			return; /* closed or reset: nothing to wait for */
		if ((size_t)na == S.q[e] && (size_t)nb == S.q[e])
			return;
		if ((size_t)na > S.q[e] || (size_t)nb > S.q[e])
			FAIL("more bytes readable than written (urt side %d, syscall side %d, expected %zu)", na, nb,
			     S.q[e]);
		usleep(100);
	}
	FAIL("bytes written never became readable (2 s)");
}

/* After a peer closed (TCP: FIN or RST in flight), wait until both copies
 * of end e have seen it, so both sides of the comparison see the same state. */
static void settle_hup(int e, short events)
{
	struct pollfd p[2] = { { S.a[e], events, 0 }, { S.b[e], events, 0 } };
	for (int i = 0; i < 2; i++)
		if (poll(&p[i], 1, 2000) != 1)
			FAIL("peer close never reached end %d (2 s)", e);
}

struct pump {
	int fd;
	unsigned char *buf;
	size_t len;
	ssize_t res;
	volatile int done;
};

static void pump_reader_task(void *arg)
{
	struct pump *p = arg;
	p->res = urt_read_full(p->fd, p->buf, p->len, -1);
	p->done = 1;
}

static void *pump_reader_thread(void *arg)
{
	struct pump *p = arg;
	size_t done;
	p->res = ref_read_full(p->fd, p->buf, p->len, -1, 1, &done);
	return NULL;
}

/* A large transfer the pipe/socket buffer cannot hold: a second reader
 * drains end r while end w writes (a task for urt, a thread for syscalls). */
static void stream_pump(int w, int r)
{
	size_t len = maxlen / 2 + below(maxlen / 2); /* up to 4 MiB: more than the 1 MiB pipe holds */
	size_t start = below(MAXLEN);
	int use_send = !S.is_pipe && below(2);
	snprintf(op_desc, sizeof op_desc, "pump %s(end %d, %zu bytes) with read_full(end %d)",
		 use_send ? "urt_send loop" : "urt_write_all", w, len, r);
	struct pump pu = { S.a[r], ubuf, len, 0, 0 }, ps = { S.b[r], sbuf, len, 0, 0 };
	CHECK_EQ(urt_spawn(urt_current(), pump_reader_task, &pu), 0);
	ssize_t wu, ws;
	if (use_send) {
		size_t done = 0;
		while (done < len) {
			ssize_t k = urt_send(S.a[w], pattern + start + done, len - done, 0);
			if (k <= 0)
				FAIL("urt_send returned %zd after %zu bytes", k, done);
			done += (size_t)k;
		}
		wu = (ssize_t)done;
	} else {
		wu = urt_write_all(S.a[w], pattern + start, len, -1);
	}
	while (!pu.done)
		urt_yield();
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, pump_reader_thread, &ps), 0);
	if (use_send) {
		size_t done = 0;
		while (done < len) {
			ssize_t k = sys_ret(send(S.b[w], pattern + start + done, len - done, 0));
			CHECK(k > 0);
			done += (size_t)k;
		}
		ws = (ssize_t)done;
	} else {
		size_t done;
		ws = ref_write_all(S.b[w], pattern + start, len, -1, 1, &done);
	}
	CHECK_EQ(pthread_join(th, NULL), 0);
	SAME("writer result", wu, ws);
	SAME("reader result", pu.res, ps.res);
	compare_bufs(pu.res, ubuf, sbuf);
	if (pu.res != (ssize_t)len)
		FAIL("reader got %zd of %zu bytes", pu.res, len);
}

/* One read-side operation at end e. */
static void stream_read_op(int e)
{
	size_t avail = S.q[e];
	int eof = !S.open[1 - e];
	size_t len = pick_len(avail + 4096);
	off_t off = below(8) == 0 ? 0 : -1;
	int which = (int)below(S.is_pipe ? 4 : 6);
	ssize_t u = 0, s = 0;
	memset(ubuf, 0xaa, len < 65536 ? len + 1 : 65536);
	memset(sbuf, 0x55, len < 65536 ? len + 1 : 65536);
	switch (which) {
	case 0:
		snprintf(op_desc, sizeof op_desc, "urt_read(end %d, %zu, off %lld) [%zu queued%s]", e, len,
			 (long long)off, avail, eof ? ", peer closed" : "");
		u = urt_read(S.a[e], ubuf, len, off);
		s = ref_read(S.b[e], sbuf, len, off, 1);
		break;
	case 1:
		if (!eof && len > avail)
			len = avail; /* read_full waits for len bytes: never more than are there */
		snprintf(op_desc, sizeof op_desc, "urt_read_full(end %d, %zu, off %lld) [%zu queued%s]", e, len,
			 (long long)off, avail, eof ? ", peer closed" : "");
		size_t du, ds;
		u = urt_rf(S.a[e], ubuf, len, off, &du);
		s = ref_read_full(S.b[e], sbuf, len, off, 1, &ds);
		SAME("result", u, s);
		same_done(du, ds);
		compare_bufs((ssize_t)ds, ubuf, sbuf);
		S.q[e] -= ds;
		return;
	case 2: {
		struct iovec iu[8], is[8];
		int n = split_iov(iu, ubuf, len);
		for (int i = 0; i < n; i++)
			is[i] = (struct iovec){ sbuf + ((unsigned char *)iu[i].iov_base - ubuf), iu[i].iov_len };
		snprintf(op_desc, sizeof op_desc, "urt_readv(end %d, %d iovecs, %zu bytes, off %lld) [%zu queued%s]",
			 e, n, len, (long long)off, avail, eof ? ", peer closed" : "");
		u = urt_readv(S.a[e], iu, n, off);
		s = ref_readv(S.b[e], is, n, off, 1);
		break;
	}
	case 3:
		/* recv on a pipe: not a socket */
		snprintf(op_desc, sizeof op_desc, "urt_recv(end %d, %zu, 0)%s", e, len, S.is_pipe ? " on a pipe" : "");
		u = urt_recv(S.a[e], ubuf, len, 0);
		s = sys_ret(recv(S.b[e], sbuf, len, 0));
		break;
	default: {
		static const int fl[] = { MSG_PEEK, MSG_WAITALL, MSG_DONTWAIT };
		static const char *fn[] = { "MSG_PEEK", "MSG_WAITALL", "MSG_DONTWAIT" };
		int k = (int)below(3);
		if (k == 1 && len > avail)
			len = avail; /* see the header comment on MSG_WAITALL */
		if (k == 2 && below(2) && !eof)
			len = len ? len : 1;
		snprintf(op_desc, sizeof op_desc, "urt_recv(end %d, %zu, %s) [%zu queued%s]", e, len, fn[k], avail,
			 eof ? ", peer closed" : "");
		u = urt_recv(S.a[e], ubuf, len, fl[k]);
		s = sys_ret(recv(S.b[e], sbuf, len, fl[k]));
		SAME("result", u, s);
		compare_bufs(u, ubuf, sbuf);
		if (k != 0 && u > 0)
			S.q[e] -= (size_t)u;
		return;
	}
	}
	SAME("result", u, s);
	compare_bufs(u, ubuf, sbuf);
	if (u > 0)
		S.q[e] -= (size_t)u;
}

/* One write-side operation from end e to its peer. */
static void stream_write_op(int e)
{
	int p = 1 - e;
	size_t room = S.open[p] ? S.cap - S.q[p] : 65536;
	size_t len = pick_len(room);
	size_t start = below(MAXLEN);
	off_t off = below(8) == 0 ? 0 : -1;
	int which = (int)below(S.is_pipe ? 4 : 5);
	ssize_t u = 0, s = 0;
	const char *peer = S.open[p] ? "" : " [peer closed]";
	switch (which) {
	case 0:
		snprintf(op_desc, sizeof op_desc, "urt_write(end %d, %zu, off %lld)%s", e, len, (long long)off, peer);
		u = urt_write(S.a[e], pattern + start, len, off);
		s = ref_write(S.b[e], pattern + start, len, off, 1);
		break;
	case 1:
		snprintf(op_desc, sizeof op_desc, "urt_write_all(end %d, %zu, off %lld)%s", e, len, (long long)off,
			 peer);
		size_t du, ds;
		u = urt_wa(S.a[e], pattern + start, len, off, &du);
		s = ref_write_all(S.b[e], pattern + start, len, off, 1, &ds);
		SAME("result", u, s);
		same_done(du, ds);
		if (ds > 0 && S.open[p]) {
			S.q[p] += ds;
			if (S.is_tcp)
				settle(p);
		}
		return;
	case 2: {
		struct iovec iov[8];
		if (len == 0 && !S.open[p] && !S.is_pipe)
			len = 1; /* 0 bytes to a closed socket: adversarial/zero_length_io.c */
		int n = split_iov(iov, pattern + start, len);
		snprintf(op_desc, sizeof op_desc, "urt_writev(end %d, %d iovecs, %zu bytes, off %lld)%s", e, n, len,
			 (long long)off, peer);
		u = urt_writev(S.a[e], iov, n, off);
		s = ref_writev(S.b[e], iov, n, off, 1);
		break;
	}
	default: {
		int fl = below(2) ? MSG_NOSIGNAL : 0;
		snprintf(op_desc, sizeof op_desc, "urt_send(end %d, %zu, %s)%s%s", e, len, fl ? "MSG_NOSIGNAL" : "0",
			 peer, S.is_pipe ? " on a pipe" : "");
		u = urt_send(S.a[e], pattern + start, len, fl);
		s = sys_ret(send(S.b[e], pattern + start, len, fl));
		break;
	}
	}
	SAME("result", u, s);
	if (u > 0 && S.open[p]) {
		S.q[p] += (size_t)u;
		if (S.is_tcp)
			settle(p);
	} else if (u > 0 && S.is_tcp) {
		/* data to a closed TCP peer: it answers with a reset */
		settle_hup(e, POLLERR | POLLHUP);
	}
}

/* Closes end e on both copies (urt_close for urt, close(2) for syscalls). */
static void stream_close(int e)
{
	snprintf(op_desc, sizeof op_desc, "urt_close(end %d) [%zu bytes unread there]", e, S.q[e]);
	SAME("result", urt_close(S.a[e]), sys_ret(close(S.b[e])));
	S.open[e] = 0;
	if (S.is_tcp)
		settle_hup(1 - e, POLLIN | POLLRDHUP);
}

static void stream_task(void *arg)
{
	(void)arg;
	unsigned ops = n_ops ? n_ops : 400;
	int closed = 0;
	for (op_no = 0; op_no < ops; op_no++) {
		unsigned r = (unsigned)below(100);
		if (!closed && op_no > ops / 2 && r < 3) {
			stream_close((int)below(2));
			closed = 1;
			continue;
		}
		/* a pipe writes at end 1 and reads at end 0; a wrong-end op gives -EBADF */
		int e = S.is_pipe ? (r < 50 ? 0 : 1) : (int)below(2);
		if (!S.open[e])
			e = 1 - e;
		int p = 1 - e;
		if (S.is_pipe && r >= 96) {
			snprintf(op_desc, sizeof op_desc, "%s on the pipe's %s end", e == 0 ? "urt_write" : "urt_read",
				 e == 0 ? "read" : "write");
			SAME("result", e == 0 ? urt_write(S.a[0], pattern, 1, -1) : urt_read(S.a[1], ubuf, 1, -1),
			     e == 0 ? sys_ret(write(S.b[0], pattern, 1)) : sys_ret(read(S.b[1], sbuf, 1)));
			continue;
		}
		if (r >= 93 && S.open[0] && S.open[1] && (S.is_pipe ? S.q[0] == 0 : S.q[p] == 0)) {
			if (S.is_pipe)
				stream_pump(1, 0);
			else
				stream_pump(e, p);
			continue;
		}
		int can_read = (!S.is_pipe || e == 0) && (S.q[e] > 0 || !S.open[p]);
		int can_write = (!S.is_pipe || e == 1);
		if (can_read && (!can_write || below(2)))
			stream_read_op(e);
		else if (can_write)
			stream_write_op(e);
		else if (!S.is_pipe || S.open[1])
			stream_write_op(1); /* pipe: nothing to read yet */
	}
	strcpy(op_desc, "(end of sequence)");
}

static void tcp_pair(int sv[2])
{
	int l = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	CHECK(bind(l, (struct sockaddr *)&a, sizeof a) == 0); /* port 0: ephemeral */
	CHECK(listen(l, 1) == 0);
	CHECK(getsockname(l, (struct sockaddr *)&a, &al) == 0);
	sv[0] = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(sv[0] >= 0);
	CHECK(connect(sv[0], (struct sockaddr *)&a, sizeof a) == 0);
	sv[1] = accept(l, NULL, NULL);
	CHECK(sv[1] >= 0);
	close(l);
	int one = 1;
	for (int i = 0; i < 2; i++)
		CHECK(setsockopt(sv[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
}

static void make_pair(int sv[2])
{
	if (!strcmp(kind, "pipe")) {
		CHECK(pipe(sv) == 0);
		/* room for the model's 128 KiB however writes fill the pages */
		CHECK(fcntl(sv[1], F_SETPIPE_SZ, 1 << 20) >= 0);
	} else if (!strcmp(kind, "socketpair")) {
		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	} else {
		tcp_pair(sv);
	}
	if (strcmp(kind, "pipe")) {
		int big = 4 << 20;
		for (int i = 0; i < 2; i++) {
			/* larger buffers where allowed (root); the model stays well below the default */
			(void)setsockopt(sv[i], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
			(void)setsockopt(sv[i], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
		}
	}
}

static int run_streams(void)
{
	S.is_pipe = !strcmp(kind, "pipe");
	S.is_tcp = !strcmp(kind, "tcp");
	/* pipe: 1 MiB of pages; AF_UNIX: skb overhead per write counts against
	 * the socket buffer; TCP: the initial receive window is ~64 KiB */
	S.cap = S.is_tcp ? 32 * 1024 : 128 * 1024;
	make_pair(S.a);
	make_pair(S.b);
	S.open[0] = S.open[1] = 1;
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(check_maybe_register(rt, S.a, 2), 0);
	CHECK_EQ(urt_spawn(rt, stream_task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	for (int i = 0; i < 2; i++)
		if (S.open[i]) {
			close(S.a[i]);
			close(S.b[i]);
		}
	return 0;
}

/* ======================================================================
 * Regular files.  Three fds per copy: read-write, O_APPEND write-only and
 * read-only.  After every operation: results, read data, the position of
 * each fd and the file size; every 8 operations and at the end: contents.
 */

struct files {
	int a[3], b[3];
	char path_a[PATH_MAX], path_b[PATH_MAX];
	off_t span;  /* offsets drawn up to here */
	off_t limit; /* RLIMIT_FSIZE or tmpfs size: offsets cluster around it */
};

static struct files F;

static off_t pick_off(void)
{
	switch (below(10)) {
	case 0: case 1: case 2: case 3: case 4:
		return -1;
	case 5:
		return 0;
	case 6:
		if (F.limit)
			return F.limit - (off_t)below(8192) + 4096;
		/* fall through */
	case 7: {
		struct stat st;
		CHECK(fstat(F.b[0], &st) == 0);
		off_t near_eof = st.st_size + (off_t)below(8192) - 4096;
		return near_eof < 0 ? 0 : near_eof;
	}
	case 8:
		if (below(3) == 0)
			return -2 - (off_t)below(4096); /* negative, not -1: -EINVAL */
		/* fall through */
	default:
		return (off_t)below((uint64_t)F.span);
	}
}

static void compare_files(void)
{
	struct stat su, ss;
	CHECK(fstat(F.a[0], &su) == 0 && fstat(F.b[0], &ss) == 0);
	SAME("file size", su.st_size, ss.st_size);
	for (int i = 0; i < 3; i++) {
		char what[32];
		snprintf(what, sizeof what, "file position of fd %d", i);
		SAME(what, lseek(F.a[i], 0, SEEK_CUR), lseek(F.b[i], 0, SEEK_CUR));
	}
}

static void compare_contents(void)
{
	struct stat st;
	CHECK(fstat(F.a[0], &st) == 0);
	for (off_t off = 0; off < st.st_size; off += MAXLEN) {
		ssize_t ru = pread(F.a[0], ubuf, MAXLEN, off), rs = pread(F.b[0], sbuf, MAXLEN, off);
		CHECK(ru >= 0 && ru == rs);
		if (memcmp(ubuf, sbuf, (size_t)ru) != 0) {
			size_t i = 0;
			while (ubuf[i] == sbuf[i])
				i++;
			FAIL("file contents differ at offset %lld", (long long)(off + (off_t)i));
		}
	}
}

static void file_op(void)
{
	int k = (int)below(10) < 6 ? 0 : (int)below(3); /* which fd: mostly read-write */
	int fa = F.a[k], fb = F.b[k];
	static const char *fdname[] = { "rw", "append", "ro" };
	off_t off = pick_off();
	if (off < -1) {
		/* only one error at a time: with a wrong-mode fd the kernel's two
		 * paths check mode and offset in different orders */
		k = 0;
		fa = F.a[0];
		fb = F.b[0];
	}
	size_t start = below(MAXLEN);
	ssize_t u = 0, s = 0;
	unsigned which = (unsigned)below(100);
	off_t before = lseek(fa, 0, SEEK_CUR);
	size_t asked = 0; /* a single read/write/readv/writev: what it asked for */
	if (which < 14) {
		size_t len = pick_len(maxlen);
		snprintf(op_desc, sizeof op_desc, "urt_read(%s fd, %zu, off %lld)", fdname[k], len, (long long)off);
		u = urt_read(fa, ubuf, len, off);
		asked = len;
		s = ref_read(fb, sbuf, len, off, 0);
		SAME("result", u, s);
		compare_bufs(u, ubuf, sbuf);
	} else if (which < 28) {
		size_t len = pick_len(maxlen);
		snprintf(op_desc, sizeof op_desc, "urt_write(%s fd, %zu, off %lld)", fdname[k], len, (long long)off);
		u = urt_write(fa, pattern + start, len, off);
		asked = len;
		s = ref_write(fb, pattern + start, len, off, 0);
		SAME("result", u, s);
	} else if (which < 40) {
		size_t len = pick_len(maxlen);
		snprintf(op_desc, sizeof op_desc, "urt_read_full(%s fd, %zu, off %lld)", fdname[k], len, (long long)off);
		size_t du, ds;
		u = urt_rf(fa, ubuf, len, off, &du);
		s = ref_read_full(fb, sbuf, len, off, 0, &ds);
		SAME("result", u, s);
		same_done(du, ds);
		compare_bufs((ssize_t)ds, ubuf, sbuf);
	} else if (which < 54) {
		size_t len = pick_len(maxlen);
		snprintf(op_desc, sizeof op_desc, "urt_write_all(%s fd, %zu, off %lld)", fdname[k], len, (long long)off);
		size_t du, ds;
		u = urt_wa(fa, pattern + start, len, off, &du);
		s = ref_write_all(fb, pattern + start, len, off, 0, &ds);
		SAME("result", u, s);
		same_done(du, ds);
	} else if (which < 64) {
		size_t len = pick_len(maxlen);
		struct iovec iu[8], is[8];
		int n = split_iov(iu, ubuf, len);
		for (int i = 0; i < n; i++)
			is[i] = (struct iovec){ sbuf + ((unsigned char *)iu[i].iov_base - ubuf), iu[i].iov_len };
		snprintf(op_desc, sizeof op_desc, "urt_readv(%s fd, %d iovecs, %zu bytes, off %lld)", fdname[k], n, len,
			 (long long)off);
		u = urt_readv(fa, iu, n, off);
		asked = len;
		s = ref_readv(fb, is, n, off, 0);
		SAME("result", u, s);
		compare_bufs(u, ubuf, sbuf);
	} else if (which < 74) {
		size_t len = pick_len(maxlen);
		struct iovec iov[8];
		int n = split_iov(iov, pattern + start, len);
		snprintf(op_desc, sizeof op_desc, "urt_writev(%s fd, %d iovecs, %zu bytes, off %lld)", fdname[k], n, len,
			 (long long)off);
		u = urt_writev(fa, iov, n, off);
		asked = len;
		s = ref_writev(fb, iov, n, off, 0);
		SAME("result", u, s);
	} else if (which < 77) {
		/* bad vector counts: none, negative, more than IOV_MAX */
		static const int cnt[] = { 0, -1, IOV_MAX + 1 };
		int c = cnt[below(3)];
		struct iovec iov[1] = { { ubuf, 16 } };
		k = 0;
		fa = F.a[0];
		fb = F.b[0];
		int wr = (int)below(2);
		snprintf(op_desc, sizeof op_desc, "urt_%s(%s fd, iovcnt %d, off %lld)", wr ? "writev" : "readv",
			 fdname[k], c, (long long)off);
		if (c > IOV_MAX) {
			static struct iovec many[IOV_MAX + 1];
			for (int i = 0; i <= IOV_MAX; i++)
				many[i] = (struct iovec){ ubuf, 1 };
			u = wr ? urt_writev(fa, many, c, off) : urt_readv(fa, many, c, off);
			s = wr ? ref_writev(fb, many, c, off, 0) : ref_readv(fb, many, c, off, 0);
		} else {
			u = wr ? urt_writev(fa, iov, c, off) : urt_readv(fa, iov, c, off);
			s = wr ? ref_writev(fb, iov, c, off, 0) : ref_readv(fb, iov, c, off, 0);
		}
		SAME("result", u, s);
	} else if (which < 80) {
		size_t len = pick_len(4096);
		int wr = (int)below(2);
		snprintf(op_desc, sizeof op_desc, "urt_%s(%s fd, %zu) on a regular file", wr ? "send" : "recv",
			 fdname[k], len);
		u = wr ? urt_send(fa, pattern + start, len, 0) : urt_recv(fa, ubuf, len, 0);
		s = wr ? sys_ret(send(fb, pattern + start, len, 0)) : sys_ret(recv(fb, sbuf, len, 0));
		SAME("result", u, s);
	} else if (which < 83 && !RUNNING_ON_VALGRIND) {
		/* > 2 GiB asked: the kernel moves at most MAX_RW_COUNT, here the
		 * file's bytes.  (Valgrind would mark all 3 GiB defined: too slow.) */
		int full = (int)below(2);
		snprintf(op_desc, sizeof op_desc, "urt_%s(%s fd, %llu, off %lld)", full ? "read_full" : "read",
			 fdname[k], HUGE_LEN, (long long)off);
		u = full ? urt_read_full(fa, huge_buf, HUGE_LEN, off) : urt_read(fa, huge_buf, HUGE_LEN, off);
		asked = full ? 0 : HUGE_LEN;
		if (u > 0)
			memcpy(ubuf, huge_buf, (size_t)u < MAXLEN ? (size_t)u : MAXLEN);
		size_t ds;
		s = full ? ref_read_full(fb, huge_buf, HUGE_LEN, off, 0, &ds) : ref_read(fb, huge_buf, HUGE_LEN, off, 0);
		SAME("result", u, s);
		compare_bufs(u < MAXLEN ? u : MAXLEN, ubuf, huge_buf);
	} else if (which < 85 && !RUNNING_ON_VALGRIND) {
		/* a buffer the process does not own (Valgrind would report the
		 * deliberate bad address) */
		size_t len = 1 + below(4096);
		int wr = (int)below(2);
		snprintf(op_desc, sizeof op_desc, "urt_%s(%s fd, bad address, %zu, off %lld)", wr ? "write" : "read",
			 fdname[k], len, (long long)off);
		void *bad = (void *)(uintptr_t)4096;
		u = wr ? urt_write(fa, bad, len, off) : urt_read(fa, bad, len, off);
		s = wr ? ref_write(fb, bad, len, off, 0) : ref_read(fb, bad, len, off, 0);
		SAME("result", u, s);
	} else if (which < 92) {
		/* both copies get the same position: not a urt call, a state change */
		off_t pos = (off_t)below((uint64_t)F.span);
		snprintf(op_desc, sizeof op_desc, "lseek(%s fd, %lld) on both", fdname[k], (long long)pos);
		SAME("result", lseek(fa, pos, SEEK_SET), lseek(fb, pos, SEEK_SET));
	} else if (which < 95) {
		off_t len = (off_t)below((uint64_t)F.span);
		snprintf(op_desc, sizeof op_desc, "ftruncate(%lld) on both", (long long)len);
		SAME("result", sys_ret(ftruncate(F.a[0], len)), sys_ret(ftruncate(F.b[0], len)));
	} else {
		snprintf(op_desc, sizeof op_desc, "urt_fsync(%s fd)", fdname[k]);
		SAME("result", urt_fsync(fa), sys_ret(fsync(fb)));
	}
	if (asked && off == -1 && u >= 0 && (size_t)u < asked) {
		/* documented: a short single op at the file position may leave it */
		off_t pu = lseek(fa, 0, SEEK_CUR), ps = lseek(fb, 0, SEEK_CUR);
		if (pu != ps) {
			if (pu != before)
				FAIL("position after a short op at the file position: urt %lld, neither where it was (%lld) nor the syscall's (%lld)",
				     (long long)pu, (long long)before, (long long)ps);
			CHECK_EQ(lseek(fa, ps, SEEK_SET), ps);
		}
	}
	compare_files();
}

static void file_task(void *arg)
{
	(void)arg;
	for (op_no = 0; op_no < (n_ops ? n_ops : 300); op_no++) {
		file_op();
		if (op_no % 8 == 7)
			compare_contents();
	}
	strcpy(op_desc, "(end of sequence)");
	compare_contents();
}

static int run_files(const char *dir_a, const char *dir_b)
{
	snprintf(F.path_a, sizeof F.path_a, "%s/urt-diff-a-XXXXXX", dir_a);
	snprintf(F.path_b, sizeof F.path_b, "%s/urt-diff-b-XXXXXX", dir_b);
	int ta = mkstemp(F.path_a), tb = mkstemp(F.path_b);
	CHECK(ta >= 0 && tb >= 0);
	close(ta);
	close(tb);
	const int modes[3] = { O_RDWR, O_WRONLY | O_APPEND, O_RDONLY };
	for (int i = 0; i < 3; i++) {
		F.a[i] = open(F.path_a, modes[i]);
		F.b[i] = open(F.path_b, modes[i]);
		CHECK(F.a[i] >= 0 && F.b[i] >= 0);
	}
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	CHECK_EQ(check_maybe_register(rt, F.a, 3), 0);
	CHECK_EQ(urt_spawn(rt, file_task, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);
	for (int i = 0; i < 3; i++) {
		close(F.a[i]);
		close(F.b[i]);
	}
	unlink(F.path_a);
	unlink(F.path_b);
	return 0;
}

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

/* Two 1 MiB tmpfs mounts (one per copy: ENOSPC must come at the same point
 * for both), in a private mount namespace of a child: nothing outside sees
 * them, and they vanish with the child. */
static int run_tmpfs(void)
{
	char base[PATH_MAX];
	snprintf(base, sizeof base, "%s/urt-diff-mnt-XXXXXX", tmpdir());
	CHECK(mkdtemp(base) != NULL);
	char da[PATH_MAX + 8], db[PATH_MAX + 8];
	snprintf(da, sizeof da, "%s/a", base);
	snprintf(db, sizeof db, "%s/b", base);
	CHECK(mkdir(da, 0700) == 0 && mkdir(db, 0700) == 0);
	fflush(NULL);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) != 0) {
			fprintf(stderr, "skipped: unshare(CLONE_NEWNS): %s\n", strerror(errno));
			_exit(77);
		}
		if (mount("none", "/", "", MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", da, "tmpfs", 0, "size=1m") != 0 || mount("tmpfs", db, "tmpfs", 0, "size=1m") != 0) {
			fprintf(stderr, "skipped: cannot mount a private tmpfs: %s\n", strerror(errno));
			_exit(77);
		}
		F.span = 2 << 20;
		F.limit = 1 << 20;
		_exit(run_files(da, db));
	}
	int st;
	CHECK(waitpid(pid, &st, 0) == pid);
	rmdir(da);
	rmdir(db);
	rmdir(base);
	if (WIFSIGNALED(st)) {
		fprintf(stderr, "differential file_tmpfs: child killed by signal %d (seed %llu)\n", WTERMSIG(st), seed);
		return 1;
	}
	return WEXITSTATUS(st);
}

int main(int argc, char **argv)
{
	static const char *kinds[] = { "pipe", "socketpair", "tcp", "file", "file_fsize", "file_tmpfs" };
	int known = 0;
	for (unsigned i = 0; argc == 2 && i < sizeof kinds / sizeof kinds[0]; i++)
		known |= !strcmp(argv[1], kinds[i]);
	if (!known) {
		fprintf(stderr, "usage: %s pipe|socketpair|tcp|file|file_fsize|file_tmpfs\n", argv[0]);
		return 2;
	}
	kind = argv[1];
	const char *env = getenv("URT_DIFF_SEED");
	seed = env && *env ? strtoull(env, NULL, 0) : 20261130;
	rng = seed;
	trace = getenv("URT_DIFF_TRACE") && *getenv("URT_DIFF_TRACE") == '1';
	env = getenv("URT_DIFF_OPS");
	n_ops = env && *env ? (unsigned)strtoul(env, NULL, 0) : 0;
	signal(SIGPIPE, SIG_IGN); /* a write to a closed peer is -EPIPE, compared like any result */
	signal(SIGXFSZ, SIG_IGN); /* a write past RLIMIT_FSIZE is short, then -EFBIG */

	pattern = malloc(2 * MAXLEN);
	ubuf = malloc(MAXLEN + 1);
	sbuf = malloc(MAXLEN + 1);
	CHECK(pattern && ubuf && sbuf);
	for (size_t i = 0; i < 2 * MAXLEN; i++)
		pattern[i] = (unsigned char)(rnd() >> 56);
	huge_buf = MAP_FAILED;
	if (!RUNNING_ON_VALGRIND) {
		huge_buf = mmap(NULL, HUGE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				-1, 0);
		CHECK(huge_buf != MAP_FAILED);
	}

	int rc;
	F.span = 4 << 20;
	if (RUNNING_ON_VALGRIND) {
		maxlen = 256 * 1024;
		F.span = 1 << 20;
	}
	if (!strcmp(kind, "file")) {
		rc = run_files(tmpdir(), tmpdir());
	} else if (!strcmp(kind, "file_fsize")) {
		/* short writes: the limit is not page-aligned, offsets cluster around it */
		F.limit = (1 << 20) + 4321;
		F.span = 2 << 20;
		struct rlimit rl = { (rlim_t)F.limit, (rlim_t)F.limit };
		struct rlimit old;
		CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
		if (old.rlim_max != RLIM_INFINITY && old.rlim_max < rl.rlim_max)
			rl.rlim_max = old.rlim_max;
		CHECK(setrlimit(RLIMIT_FSIZE, &rl) == 0);
		rc = run_files(tmpdir(), tmpdir());
	} else if (!strcmp(kind, "file_tmpfs")) {
		rc = run_tmpfs();
	} else {
		rc = run_streams();
	}
	if (huge_buf != MAP_FAILED)
		munmap(huge_buf, HUGE_LEN);
	free(pattern);
	free(ubuf);
	free(sbuf);
	if (rc == 0)
		printf("differential %s: seed %llu, urt and syscalls agree\n", kind, seed);
	return rc;
}
