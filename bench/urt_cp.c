/*
 * urt_cp.c - urt-cp: copies one file with the runtime, qd tasks each moving
 * bs-sized blocks, so it can stand next to cp and dd in a command-level
 * comparison.
 *
 * Only SRC's data is copied: its data extents (SEEK_DATA / SEEK_HOLE) are
 * cut into blocks of at most bs bytes, and the copy is given SRC's size with
 * ftruncate, so a hole in SRC stays a hole in DST, as cp does by default.
 * Task i copies the fixed stripe of blocks i, i + qd, ...  How a block moves
 * (--method):
 *   splice  (default) the kernel moves it: a splice from SRC into the
 *           task's own pipe, then from the pipe to DST at the same offset,
 *           16 pipefuls to one urt_chain (splice_chain).
 *           The data never reaches user space; a cached page is referenced
 *           into the pipe and copied once into DST, as cp's copy_file_range
 *           does inside the kernel.
 *   rw      urt_read_full into the task's buffer, then urt_write_all at the
 *           same offset: two copies through user space, like dd.
 * --direct opens both files O_DIRECT (rw only; buffers, offsets and bs
 * aligned to 4 KiB) for files that are not in the page cache: no cache
 * pollution, no double buffering.  --verify reads SRC's data extents back
 * from SRC and the finished copy and compares them, and checks that both
 * still read as zeroes where SRC had holes (SEEK_DATA: a hole is not
 * read), before DST gets its name.
 *
 * usage: urt-cp [--qd N] [--bs SIZE] [--method splice|rw] [--direct] [--no-pin]
 *               [--verify] [--force] [--fsync] SRC DST
 * (defaults: qd 1, bs 1m, splice)
 * SRC must be a regular file whose size is known (st_size; not a FIFO, not
 * a /proc file that reports 0).  A DST that is a directory means
 * DST/basename(SRC), as with cp.  DST must not exist unless --force.
 * Exit 0 copied (and verified), 1 I/O
 * error or --verify found a difference, 2 bad input, 130 interrupted
 * (SIGINT/SIGTERM).
 *
 * The copy is written to a temporary name in DST's directory (DST.tmp.XXXXXX,
 * or .urt.tmp.XXXXXX beside it for a name too long for that suffix;
 * through the toolbox's tb_publish_*) and renamed to DST only once every byte is written (and verified), so DST is either
 * absent (or, with --force, the old file intact) or the complete copy:
 * never a partial file.  On an error or a signal the temporary file is
 * removed.  Like cp, the data is not fsynced unless --fsync is given (then
 * the file and the directory).
 */
#define _GNU_SOURCE
#include "urt.h"
#include "build_stamp.h"
#include "toolbox.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* The copy being written under its temporary name; the signal handler
 * removes it. */
static struct tb_publish pub;

static void on_signal(int sig)
{
	(void)sig;
	/* Only async-signal-safe calls: the copy may be anywhere in the runtime,
	 * so the process ends here rather than unwinding the tasks. */
	tb_publish_discard(&pub);
	static const char msg[] = "urt-cp: interrupted\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(130);
}

enum method { METHOD_SPLICE, METHOD_RW };

/* O_DIRECT wants the buffer, the offset and the length aligned to the
 * device's logical block size; 4 KiB covers every device in use. */
#define DIRECT_ALIGN 4096u

/* One of SRC's data extents. */
struct seg {
	uint64_t off, len;
};

struct copy {
	int src, dst;
	uint64_t size, bs;
	struct seg *ext;    /* SRC's data extents, in offset order */
	size_t next;
	uint64_t nblocks;   /* the blocks of at most bs bytes they are cut in */
	unsigned long qd;
	enum method method;
	bool direct;
	int err;            /* first error, -errno */
	const char *failed_op;
	uint64_t mismatch;  /* --verify: first differing byte + 1, 0 = none */
};

struct copier {
	struct copy *c;
	unsigned long index;
	char *buf, *buf2;   /* rw: the block; verify: SRC's and DST's */
	int pipe[2];        /* splice: this task's pipe, -1 when unused */
	size_t pipe_cap;
	size_t page;        /* the page size: a pipe slot holds one page of a file */
};

static void fail_op(struct copy *c, const char *op, ssize_t err)
{
	if (!c->err) {
		c->err = (int)err;
		c->failed_op = op;
	}
}

/* --direct: reads [off, off + len) of fd, asking for whole aligned blocks
 * (the kernel returns the file's real tail at its end).  len, fewer if the
 * file ended early, or -errno. */
static ssize_t read_direct(int fd, char *buf, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		size_t want = (len - done + DIRECT_ALIGN - 1) & ~(size_t)(DIRECT_ALIGN - 1);
		ssize_t n = urt_read(fd, buf + done, want, (off_t)(off + done));
		if (n < 0)
			return n;
		if (n == 0)
			break;
		done += (size_t)n;
		/* A short read that is not block-aligned is the end of the
		 * file: the next aligned read would be refused (-EINVAL). */
		if (done % DIRECT_ALIGN)
			break;
	}
	return (ssize_t)(done < len ? done : len);
}

/* Writes the n bytes waiting in the task's pipe to DST at off. */
static ssize_t drain_pipe(struct copier *cp, uint64_t off, size_t n)
{
	for (size_t out = 0; out < n;) {
		ssize_t w = urt_splice(cp->pipe[0], -1, cp->c->dst, (off_t)(off + out), n - out, SPLICE_F_MOVE);
		if (w == 0)
			w = -EIO; /* cannot happen with our end of the pipe open */
		if (w < 0)
			return w;
		out += (size_t)w;
	}
	return (ssize_t)n;
}

/* Moves [off, off + len) in two kernel-side steps, one operation at a
 * time: SRC into the pipe (page references), the pipe into DST (the one
 * copy).  A pipe holds pipe_cap bytes at most, so a longer range goes in
 * several rounds; every byte that entered the pipe leaves it before the
 * next round, so the pipe is empty afterwards.  The slow path behind
 * splice_chain, for what a chain left half done. */
static ssize_t splice_block(struct copier *cp, uint64_t off, size_t len, const char **op)
{
	struct copy *c = cp->c;
	for (size_t done = 0; done < len;) {
		size_t want = len - done < cp->pipe_cap ? len - done : cp->pipe_cap;
		*op = "read";
		ssize_t in = urt_splice(c->src, (off_t)(off + done), cp->pipe[1], -1, want, SPLICE_F_MOVE);
		if (in == 0)
			in = -EIO; /* the source shrank under us */
		if (in < 0)
			return in;
		*op = "write";
		ssize_t n = drain_pipe(cp, off + done, (size_t)in);
		if (n < 0)
			return n;
		done += (size_t)in;
	}
	return (ssize_t)len;
}

/* Pieces of at most pipe_cap bytes handed to the kernel as one chain: two
 * splices each, so the io-wq worker that finishes one goes straight on to
 * the next, with no round trip through this task between them (measured
 * against one urt_splice at a time: bench/README.md, urt-cp). */
#define CHAIN_PIECES 16

struct piece {
	uint64_t off;
	size_t len;
};

/* Moves the n pieces (each at most pipe_cap bytes) through the pipe in one
 * urt_chain.  Where the chain stopped (a short count, an error), the piece
 * it stopped in is finished one operation at a time, and so are the rest:
 * no byte is lost or written twice, and the pipe is empty afterwards.
 * 0, or -errno with *op the step that failed. */
static int splice_chain(struct copier *cp, const struct piece *pc, unsigned n, const char **op)
{
	struct copy *c = cp->c;
	struct urt_chain_op ops[2 * CHAIN_PIECES];
	for (unsigned i = 0; i < n; i++) {
		ops[2 * i] = (struct urt_chain_op){ .opcode = URT_CHAIN_SPLICE, .fd = c->src, .off = (off_t)pc[i].off,
						    .fd_out = cp->pipe[1], .off_out = -1, .len = pc[i].len,
						    .flags = SPLICE_F_MOVE };
		ops[2 * i + 1] = (struct urt_chain_op){ .opcode = URT_CHAIN_SPLICE, .fd = cp->pipe[0], .off = -1,
							.fd_out = c->dst, .off_out = (off_t)pc[i].off,
							.len = pc[i].len, .flags = SPLICE_F_MOVE };
	}
	int k = urt_chain(ops, 2 * n);
	if (k < 0) {
		*op = "read";
		return k;
	}
	if ((unsigned)k == 2 * n)
		return 0;
	unsigned i = (unsigned)k / 2;
	size_t done; /* bytes of piece i already in DST */
	if (k % 2 == 0) {
		/* SRC into the pipe stopped short: what it moved is in the pipe. */
		ssize_t in = ops[k].res;
		*op = "read";
		if (in == 0)
			in = -EIO; /* the source shrank under us */
		if (in < 0)
			return (int)in;
		*op = "write";
		ssize_t w = drain_pipe(cp, pc[i].off, (size_t)in);
		if (w < 0)
			return (int)w;
		done = (size_t)in;
	} else {
		/* The pipe into DST stopped short: the rest of the piece waits
		 * in the pipe. */
		ssize_t out = ops[k].res;
		*op = "write";
		if (out == 0)
			out = -EIO;
		if (out < 0)
			return (int)out;
		ssize_t w = drain_pipe(cp, pc[i].off + (size_t)out, pc[i].len - (size_t)out);
		if (w < 0)
			return (int)w;
		done = pc[i].len;
	}
	/* The rest of piece i, then the pieces the chain never started. */
	ssize_t r = splice_block(cp, pc[i].off + done, pc[i].len - done, op);
	while (r >= 0 && ++i < n)
		r = splice_block(cp, pc[i].off, pc[i].len, op);
	return r < 0 ? (int)r : 0;
}

/* A task's walk through the blocks of SRC's data extents: block k of
 * extent e is its next (the blocks are numbered through the extents in
 * order); found by walking, not by a table, so a tiny --bs on a large file
 * costs no memory. */
struct stripe {
	size_t e;
	uint64_t k;
};

/* The stripe's next block (offset and length) and a step of qd blocks;
 * false when the extents are done or the copy has failed. */
static bool stripe_next(const struct copy *c, struct stripe *s, uint64_t *off, size_t *len)
{
	while (s->e < c->next && s->k >= (c->ext[s->e].len + c->bs - 1) / c->bs) {
		s->k -= (c->ext[s->e].len + c->bs - 1) / c->bs;
		s->e++;
	}
	if (s->e == c->next || c->err)
		return false;
	*off = c->ext[s->e].off + s->k * c->bs;
	uint64_t left = c->ext[s->e].off + c->ext[s->e].len - *off;
	*len = left < c->bs ? (size_t)left : (size_t)c->bs;
	s->k += c->qd;
	return true;
}

/* The splice method: the task's stripe cut into pieces that fit its pipe,
 * CHAIN_PIECES of them to a chain. */
static void splice_task(struct copier *cp)
{
	struct copy *c = cp->c;
	struct stripe s = { 0, cp->index };
	uint64_t off = 0;
	size_t len = 0; /* what is left of the current block, from off */
	for (;;) {
		/* The next pieces of the stripe, pipe_cap bytes at most each. */
		struct piece pc[CHAIN_PIECES];
		unsigned n = 0;
		while (n < CHAIN_PIECES && (len > 0 || stripe_next(c, &s, &off, &len))) {
			/* A pipe has pipe_cap / page slots, one page of the file
			 * each: a piece that starts inside a page ends early
			 * enough to need no more slots than that, or the splice
			 * into the pipe comes back short and stops the chain. */
			size_t room = cp->pipe_cap - (size_t)(off % cp->page);
			size_t l = len < room ? len : room;
			pc[n++] = (struct piece){ off, l };
			off += l;
			len -= l;
		}
		if (n == 0)
			return;
		const char *op = "read";
		int err = splice_chain(cp, pc, n, &op);
		if (err < 0) {
			fail_op(c, op, err);
			return;
		}
	}
}

/* Task i copies blocks i, i + qd, i + 2 qd, ...: a fixed stripe rather than
 * the next free block, so which task does which operation does not depend
 * on the completion order, and a fault seed (FIU_PRNG_SEED) replays the same
 * faults on the same blocks. */
static void copy_task(void *arg)
{
	struct copier *cp = arg;
	struct copy *c = cp->c;
	if (c->method == METHOD_SPLICE) {
		splice_task(cp);
		return;
	}
	struct stripe s = { 0, cp->index };
	uint64_t off;
	size_t len;
	while (stripe_next(c, &s, &off, &len)) {
		ssize_t n = c->direct ? read_direct(c->src, cp->buf, len, off)
				      : urt_read_full(c->src, cp->buf, len, (off_t)off);
		if (n >= 0 && (size_t)n < len)
			n = -EIO; /* the source shrank under us */
		if (n < 0) {
			fail_op(c, "read", n);
			break;
		}
		/* O_DIRECT writes whole blocks: the tail's block is padded with
		 * zeroes and the file cut to its size once all is written. */
		size_t wlen = len;
		if (c->direct && len % DIRECT_ALIGN) {
			wlen = (len + DIRECT_ALIGN - 1) & ~(size_t)(DIRECT_ALIGN - 1);
			memset(cp->buf + len, 0, wlen - len);
		}
		n = urt_write_all(c->dst, cp->buf, wlen, (off_t)off);
		if (n < 0) {
			fail_op(c, "write", n);
			break;
		}
	}
}

static ssize_t read_at(const struct copy *c, int fd, char *buf, size_t len, uint64_t off)
{
	return c->direct ? read_direct(fd, buf, len, off) : urt_read_full(fd, buf, len, (off_t)off);
}

static void note_mismatch(struct copy *c, uint64_t at)
{
	if (!c->mismatch || at + 1 < c->mismatch)
		c->mismatch = at + 1;
}

/* --verify of a range that is a hole in SRC's map: [a, b) of fd must read
 * as zeroes.  Only what SEEK_DATA finds there is read (a hole is zeroes
 * without reading it), so a large hole costs a few lseeks, not a read of
 * every byte; where the file system cannot say, all of it is read.
 * 0 all zero, the first non-zero (or missing: the file ends early) byte's
 * offset + 1, or -errno. */
static int64_t first_nonzero(struct copier *cp, int fd, uint64_t a, uint64_t b)
{
	struct copy *c = cp->c;
	for (uint64_t pos = a; pos < b;) {
		off_t d = lseek(fd, (off_t)pos, SEEK_DATA);
		uint64_t end = b;
		if (d < 0 && errno == ENXIO)
			return 0; /* a hole to the end (a short file: the size checks) */
		if (d < 0) {
			d = (off_t)pos;
		} else {
			if ((uint64_t)d >= b)
				return 0;
			off_t h = lseek(fd, d, SEEK_HOLE);
			if (h >= 0 && (uint64_t)h < b)
				end = (uint64_t)h;
		}
		/* From an aligned offset: --direct reads whole 4 KiB blocks. */
		for (uint64_t off = (uint64_t)d & ~(uint64_t)(DIRECT_ALIGN - 1); off < end;) {
			size_t len = end - off < c->bs ? (size_t)(end - off) : (size_t)c->bs;
			ssize_t n = read_at(c, fd, cp->buf2, len, off);
			if (n < 0)
				return n;
			size_t i = off < (uint64_t)d ? (size_t)((uint64_t)d - off) : 0;
			while (i < (size_t)n && !cp->buf2[i])
				i++;
			if (i < len)
				return (int64_t)(off + i + 1);
			off += len;
		}
		pos = end > (uint64_t)d ? end : (uint64_t)d + 1;
	}
	return 0;
}

/* --verify: the blocks of SRC's data extents, in the same stripes as the
 * copy, read from SRC and from the copy (through the copy's own fd: with
 * --direct from the device, not the cache) and compared.  What the map
 * called holes was never written: task 0 then checks that both files still
 * read as zeroes there (first_nonzero), without reading the holes
 * themselves.  Records the lowest differing offset found. */
static void verify_task(void *arg)
{
	struct copier *cp = arg;
	struct copy *c = cp->c;
	struct stripe s = { 0, cp->index };
	uint64_t off;
	size_t len;
	while (stripe_next(c, &s, &off, &len)) {
		ssize_t a = read_at(c, c->src, cp->buf, len, off);
		ssize_t b = a < 0 ? a : read_at(c, c->dst, cp->buf2, len, off);
		if (a < 0 || b < 0) {
			fail_op(c, "verify read", a < 0 ? a : b);
			break;
		}
		if ((size_t)a < len || (size_t)b < len) {
			/* A file ended early: SRC changed size, or the copy is short. */
			note_mismatch(c, off + (uint64_t)(a < b ? a : b));
			break;
		}
		if (memcmp(cp->buf, cp->buf2, len) != 0) {
			size_t i = 0;
			while (cp->buf[i] == cp->buf2[i])
				i++;
			note_mismatch(c, off + i);
			break;
		}
	}
	if (cp->index != 0)
		return;
	uint64_t hole = 0; /* the holes: [0, size) less the extents */
	for (size_t i = 0; i <= c->next && !c->err; i++) {
		uint64_t hole_end = i < c->next ? c->ext[i].off : c->size;
		for (int f = 0; f < 2 && hole < hole_end; f++) {
			int64_t r = first_nonzero(cp, f ? c->src : c->dst, hole, hole_end);
			if (r < 0) {
				fail_op(c, "verify read", r);
				return;
			}
			if (r > 0)
				note_mismatch(c, (uint64_t)r - 1);
		}
		if (i < c->next)
			hole = c->ext[i].off + c->ext[i].len;
	}
}

/* Appends the extent [off, end) to *ext (of *n, room for *cap), merged with
 * the previous one when they touch; 0 or -ENOMEM. */
static int add_extent(struct seg **ext, size_t *n, size_t *cap, uint64_t off, uint64_t end)
{
	if (*n && off <= (*ext)[*n - 1].off + (*ext)[*n - 1].len) {
		struct seg *last = &(*ext)[*n - 1];
		if (end > last->off + last->len)
			last->len = end - last->off;
		return 0;
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct seg *p = realloc(*ext, ncap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		*ext = p;
		*cap = ncap;
	}
	(*ext)[(*n)++] = (struct seg){ off, end - off };
	return 0;
}

/* Finds SRC's data, c->ext: each data extent that SEEK_DATA / SEEK_HOLE
 * report in [0, size), widened to whole 4 KiB pages (O_DIRECT needs aligned
 * offsets; a few zero bytes of a hole copied on a file system with smaller
 * blocks cost nothing), and counts the blocks of at most bs they make.
 * The holes between them are never written: the copy, cut to SRC's size,
 * has holes there too.  Where SEEK_DATA or SEEK_HOLE fails (a file system
 * without them says -EINVAL) the rest of the file counts as data: copied
 * whole, as before holes were looked for, never skipped.  0 or -ENOMEM. */
static int map_data(struct copy *c)
{
	struct seg *ext = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;
	for (uint64_t pos = 0; pos < c->size;) {
		off_t data = lseek(c->src, (off_t)pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break; /* only a hole from pos to the end */
		if (data >= 0 && (uint64_t)data >= c->size)
			break; /* data beyond the size we copy: SRC grew meanwhile */
		off_t hole = data < 0 ? -1 : lseek(c->src, data, SEEK_HOLE);
		if (hole < 0) {
			ret = add_extent(&ext, &n, &cap, pos & ~(uint64_t)(DIRECT_ALIGN - 1), c->size);
			break;
		}
		uint64_t end = (uint64_t)hole < c->size ? (uint64_t)hole : c->size;
		uint64_t lo = (uint64_t)data & ~(uint64_t)(DIRECT_ALIGN - 1);
		uint64_t hi = (end + DIRECT_ALIGN - 1) & ~(uint64_t)(DIRECT_ALIGN - 1);
		ret = add_extent(&ext, &n, &cap, lo, hi < c->size ? hi : c->size);
		if (ret < 0)
			break;
		pos = end > (uint64_t)data ? end : (uint64_t)data + 1;
	}
	c->ext = ext;
	c->next = n;
	c->nblocks = 0;
	for (size_t i = 0; i < n; i++)
		c->nblocks += (ext[i].len + c->bs - 1) / c->bs;
	return ret;
}

/* Depth 1: this thread and the kernel's io-wq workers on the CPU it runs
 * on now.  The workers inherit the ring creator's CPUs, so this comes
 * before urt_create.  One copy stream is one splice at a time anyway; kept
 * on one CPU, each hand-off between the task and a worker (and between
 * the two kinds of worker a splice pair passes through) is a switch on
 * that CPU, not a wake-up of the other one: 256 MiB warm, 94.2 ms free
 * against 80.9-86.6 ms pinned, cp 76.0 (bench/README.md, urt-cp).  Best
 * effort: a process already held to one CPU, or refused, stays as it is. */
static void pin_to_this_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof set, &set) < 0 || CPU_COUNT(&set) <= 1 || !CPU_ISSET(cpu, &set))
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof set, &set);
}

/* Runs qd tasks of fn over the stripes on a fresh runtime; 0 or -errno. */
static int run_tasks(struct copy *c, struct copier *cps, void (*fn)(void *))
{
	struct urt *rt;
	struct urt_config cfg = { .entries = c->qd * 2 > 256 ? (unsigned)c->qd * 2 : 256 };
	int ret = urt_create(&rt, &cfg);
	if (ret < 0) {
		fprintf(stderr, "urt-cp: urt_create: %s\n", strerror(-ret));
		return ret;
	}
	for (unsigned long i = 0; i < c->qd && ret == 0; i++)
		ret = urt_spawn(rt, fn, &cps[i]);
	if (ret == 0)
		ret = urt_run(rt);
	urt_destroy(rt);
	if (ret < 0)
		fprintf(stderr, "urt-cp: %s\n", strerror(-ret));
	return ret;
}

/* Each task's resources for the method: a pipe as large as a block (up to
 * what the system allows an unprivileged pipe; the default 64 KiB when even
 * that is refused), or an aligned buffer (two with --verify). */
static int setup_copier(struct copier *cp, const struct copy *c, bool verify)
{
	cp->pipe[0] = cp->pipe[1] = -1;
	/* A task past the last block has nothing to copy: no pipe. */
	if (c->method == METHOD_SPLICE && cp->index < c->nblocks) {
		if (pipe2(cp->pipe, O_CLOEXEC) < 0)
			return -errno;
		for (size_t want = c->bs; want >= 65536; want /= 2)
			if (fcntl(cp->pipe[1], F_SETPIPE_SZ, (int)(want < (1u << 20) ? want : 1u << 20)) >= 0)
				break;
		int cap = fcntl(cp->pipe[1], F_GETPIPE_SZ);
		if (cap <= 0)
			return cap < 0 ? -errno : -EINVAL;
		cp->pipe_cap = (size_t)cap;
		long page = sysconf(_SC_PAGESIZE);
		cp->page = page > 0 && (size_t)page <= cp->pipe_cap ? (size_t)page : 4096;
	}
	/* rw needs the block buffer; --direct pads the tail to a whole block. */
	size_t blen = (size_t)c->bs;
	if (c->method == METHOD_RW || verify) {
		if (posix_memalign((void **)&cp->buf, DIRECT_ALIGN, blen) != 0)
			return -ENOMEM;
	}
	if (verify && posix_memalign((void **)&cp->buf2, DIRECT_ALIGN, blen) != 0)
		return -ENOMEM;
	return 0;
}

/* Splice needs two fds per task with a block to copy: --qd 1024 would
 * pass the usual soft limit of 1024 open files.  Raises it as far as the
 * hard limit allows; pipe2 reports -EMFILE if that is still too little. */
static void raise_fd_limit(const struct copy *c)
{
	rlim_t need = (rlim_t)(2 * (c->nblocks < c->qd ? c->nblocks : c->qd) + 64);
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void free_copier(struct copier *cp)
{
	free(cp->buf);
	free(cp->buf2);
	if (cp->pipe[0] >= 0)
		close(cp->pipe[0]);
	if (cp->pipe[1] >= 0)
		close(cp->pipe[1]);
}

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "urt-cp: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
	return 2;
}

#define USAGE "usage: urt-cp [--qd N] [--bs SIZE] [--method splice|rw] [--direct] [--verify] [--force] [--fsync] [--no-pin] SRC DST"

static const char help[] =
	USAGE "\n"
	"\n"
	"Copy the file SRC to DST with the urt runtime: N tasks each move SIZE-byte\n"
	"blocks, inside the kernel (splice through a pipe) or through user space.\n"
	"\n"
	"  --qd N          tasks copying at once, 1..1024 (default 1)\n"
	"  --bs SIZE       block size, 1..64m, k/m/g suffixes (default 1m)\n"
	"  --method M      splice (default: the kernel moves the data, as cp's\n"
	"                  copy_file_range) or rw (read then write, like dd)\n"
	"  --direct        O_DIRECT on both files, for files not in the page cache\n"
	"                  (rw only; --bs a multiple of 4k)\n"
	"  --verify        read SRC's data back from SRC and the copy and compare\n"
	"                  them, and check both read as zeroes in SRC's holes, before\n"
	"                  DST gets its name; a difference is exit 1\n"
	"  --force         replace DST if it exists (atomically, by rename)\n"
	"  --fsync         fsync the copy and its directory before returning\n"
	"  --no-pin        at --qd 1, do not keep urt-cp and the kernel's io-wq\n"
	"                  workers on the CPU it starts on (the default pins)\n"
	"  -h, --help      print this help and exit\n"
	"  --version       print the version and the git revision it was built from\n"
	"\n"
	"SRC must be a regular file whose size is known (not a FIFO, not a /proc\n"
	"file that reports size 0).  Only its data is copied: its holes stay holes.\n"
	"A DST that is a directory means DST/SRC's file name, as with cp.  A DST\n"
	"that is a symbolic link (even a dangling one) is refused, with or without\n"
	"--force: urt-cp neither replaces the link nor writes through it.\n"
	"DST is written under a temporary name and renamed once complete: it is\n"
	"never left half-written.  It gets SRC's permission bits under the umask.\n"
	"Exit status: 0 copied (and verified), 1 I/O error or a difference found by\n"
	"--verify, 2 bad input, 130 interrupted.\n";

/* Sets O_DIRECT on fd (the temporary file is made by tb_publish_begin,
 * whose mkostemp takes no O_DIRECT); 0 or -errno (-EINVAL: the file system does not do it). */
static int set_direct(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_DIRECT) < 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "qd", required_argument, 0, 'q' }, { "bs", required_argument, 0, 'b' },
		{ "force", no_argument, 0, 'f' },    { "help", no_argument, 0, 'h' },
		{ "fsync", no_argument, 0, 's' },    { "method", required_argument, 0, 'm' },
		{ "direct", no_argument, 0, 'd' },   { "verify", no_argument, 0, 'v' },
		{ "version", no_argument, 0, 'V' }, { "no-pin", no_argument, 0, 'P' },
		{ 0, 0, 0, 0 },
	};
	/* Depth 1: a file's writes serialize on its inode lock, and io_uring
	 * does not keep two splices into DST from running at once in two io-wq
	 * workers, so at depth 2 one worker spins on the lock while the other
	 * copies (rwsem_spin_on_owner, about 6 % of the CPU time in perf, more
	 * under load) for no gain in CPU time (bench/README.md, urt-cp).
	 * 1 MiB is the largest pipe an unprivileged process gets
	 * (fs.pipe-max-size): one splice per block each way. */
	unsigned long qd = 1;
	uint64_t bs = 1024 * 1024;
	bool force = false, do_fsync = false, direct = false, verify = false, method_given = false, pin = true;
	enum method method = METHOD_SPLICE;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		uint64_t n;
		switch (opt) {
		case 'q':
			if (tb_parse_u64(optarg, 1, 1024, 0, &n) < 0)
				return usage_error("--qd: expected an integer in 1..1024, got", optarg);
			qd = (unsigned long)n;
			break;
		case 'b':
			if (tb_parse_u64(optarg, 1, 64u << 20, TB_SIZE, &bs) < 0)
				return usage_error("--bs: expected a size in 1..64m, got", optarg);
			break;
		case 'm':
			if (!strcmp(optarg, "splice"))
				method = METHOD_SPLICE;
			else if (!strcmp(optarg, "rw"))
				method = METHOD_RW;
			else
				return usage_error("--method: expected splice or rw, got", optarg);
			method_given = true;
			break;
		case 'f': force = true; break;
		case 'P': pin = false; break;
		case 's': do_fsync = true; break;
		case 'd': direct = true; break;
		case 'v': verify = true; break;
		case 'h': fputs(help, stdout); return 0;
		case 'V': build_stamp_print_version(stdout, "urt-cp", urt_version()); return 0;
		case ':': return usage_error("option needs a value:", argv[optind - 1]);
		default: return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return usage_error(USAGE, NULL);
	if (direct) {
		/* A pipe cannot take pages from an O_DIRECT file without a copy
		 * through a bounce buffer: --direct is the rw method's. */
		if (method_given && method == METHOD_SPLICE)
			return usage_error("--direct works with --method rw only", NULL);
		method = METHOD_RW;
		if (bs % DIRECT_ALIGN) {
			fprintf(stderr, "urt-cp: --direct: --bs must be a multiple of 4k, got %llu\n",
				(unsigned long long)bs);
			return 2;
		}
	}
	const char *src_path = argv[optind], *dst_path = argv[optind + 1];
	if (!*dst_path)
		return usage_error("DST is empty", NULL);
	/* DST/basename(SRC) when DST is a directory (static: reachable to the end) */
	static char *dst_in_dir;

	if (pin && qd == 1)
		pin_to_this_cpu();
	struct copy c = { .bs = bs, .qd = qd, .method = method, .direct = direct };
	/* O_NONBLOCK: opening a FIFO for reading would wait for a writer
	 * before the check below could refuse it.  Cleared once it is known
	 * to be a regular file. */
	c.src = open(src_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (c.src < 0) {
		fprintf(stderr, "urt-cp: %s: %s\n", src_path, strerror(errno));
		return 2;
	}
	struct stat st;
	if (fstat(c.src, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "urt-cp: %s: not a regular file\n", src_path);
		return 2;
	}
	int fl = fcntl(c.src, F_GETFL);
	if (fl < 0 || fcntl(c.src, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		fprintf(stderr, "urt-cp: %s: %s\n", src_path, strerror(errno));
		return 2;
	}
	/* The copy is striped by st_size: a file that reports 0 but has
	 * content (/proc, /sys) would be copied as an empty file. */
	char probe;
	if (st.st_size == 0 && pread(c.src, &probe, 1, 0) > 0) {
		fprintf(stderr, "urt-cp: %s: its size is not known (reported 0 but it has data); "
				"urt-cp copies regular files whose size is known\n", src_path);
		return 2;
	}
	int derr = direct ? set_direct(c.src) : 0;
	if (derr < 0) {
		fprintf(stderr, "urt-cp: --direct: %s: %s\n", src_path, strerror(-derr));
		return 2;
	}
	struct stat dst_st;
	if (stat(dst_path, &dst_st) == 0 && S_ISDIR(dst_st.st_mode)) {
		/* Into the directory, under SRC's own name, as cp does. */
		const char *slash = strrchr(src_path, '/');
		const char *name = slash ? slash + 1 : src_path;
		size_t dlen = strlen(dst_path);
		bool sep = dlen && dst_path[dlen - 1] != '/';
		dst_in_dir = malloc(dlen + sep + strlen(name) + 1);
		if (!dst_in_dir) {
			fprintf(stderr, "urt-cp: %s\n", strerror(ENOMEM));
			return 2;
		}
		sprintf(dst_in_dir, "%s%s%s", dst_path, sep ? "/" : "", name);
		dst_path = dst_in_dir;
	}
	if (stat(dst_path, &dst_st) == 0 && dst_st.st_dev == st.st_dev && dst_st.st_ino == st.st_ino) {
		fprintf(stderr, "urt-cp: %s and %s are the same file\n", src_path, dst_path);
		return 2;
	}
	/* lstat: a symbolic link DST, even a dangling one, is there.  Renaming
	 * the copy over it would replace the link itself where cp writes
	 * through it, so neither is done: refused, with or without --force. */
	if (lstat(dst_path, &dst_st) == 0) {
		if (S_ISLNK(dst_st.st_mode)) {
			fprintf(stderr, "urt-cp: %s: is a symbolic link; urt-cp neither replaces a link nor "
					"writes through one (name the file it points to)\n", dst_path);
			return 2;
		}
		if (S_ISDIR(dst_st.st_mode)) {
			/* DST/name is itself a directory: nothing to replace it with a file. */
			fprintf(stderr, "urt-cp: %s: is a directory; not replacing a directory with a file\n",
				dst_path);
			return 2;
		}
		if (!force) {
			fprintf(stderr, "urt-cp: %s: %s (use --force to replace it)\n", dst_path, strerror(EEXIST));
			return 2;
		}
	}
	c.size = (uint64_t)st.st_size;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Past RLIMIT_FSIZE a write or the final ftruncate would raise SIGXFSZ
	 * and kill the process with the temporary file in place; ignored, they
	 * fail with EFBIG instead: exit 1, the temporary file removed. */
	signal(SIGXFSZ, SIG_IGN);
	/* The mode a new file gets from open(O_CREAT) under the umask, as cp
	 * (tb_publish_begin applies the umask). */
	c.dst = tb_publish_begin(&pub, dst_path, st.st_mode & 0777);
	if (c.dst < 0) {
		fprintf(stderr, "urt-cp: %s: cannot create a temporary file beside it: %s\n", dst_path,
			strerror(-c.dst));
		return 2;
	}
	derr = direct ? set_direct(c.dst) : 0;
	if (derr < 0) {
		fprintf(stderr, "urt-cp: --direct: %s's directory: %s\n", dst_path, strerror(-derr));
		close(c.dst);
		tb_publish_discard(&pub);
		return 2;
	}

	int ret = 0;
	struct copier *cps = calloc(qd, sizeof(*cps));
	if (!cps)
		ret = -ENOMEM;
	for (unsigned long i = 0; cps && i < qd; i++) {
		cps[i].c = &c;
		cps[i].index = i;
		cps[i].pipe[0] = cps[i].pipe[1] = -1;
	}
	if (ret == 0) {
		ret = map_data(&c);
		if (ret < 0)
			fprintf(stderr, "urt-cp: %s\n", strerror(-ret));
	} else {
		fprintf(stderr, "urt-cp: %s\n", strerror(-ret));
	}
	if (ret == 0 && method == METHOD_SPLICE)
		raise_fd_limit(&c);
	int sret = 0;
	for (unsigned long i = 0; ret == 0 && sret == 0 && i < qd; i++)
		sret = setup_copier(&cps[i], &c, verify);
	if (sret == -EMFILE)
		fprintf(stderr, "urt-cp: --qd %lu needs two pipe fds per task: %s (ulimit -n)\n", qd, strerror(-sret));
	else if (sret < 0)
		fprintf(stderr, "urt-cp: %s\n", strerror(-sret));
	if (ret == 0)
		ret = sret;
	if (ret == 0)
		ret = run_tasks(&c, cps, copy_task);
	if (ret == 0 && c.err) {
		fprintf(stderr, "urt-cp: %s failed: %s\n", c.failed_op, strerror(-c.err));
		ret = c.err;
	}
	/* SRC's size: past a hole at its end (nothing was written there), and
	 * without the padding --direct wrote to make the tail a whole block. */
	if (ret == 0 && ftruncate(c.dst, (off_t)c.size) < 0) {
		fprintf(stderr, "urt-cp: %s: setting the size of the copy: %s\n", dst_path, strerror(errno));
		ret = -EIO;
	}
	if (ret == 0 && verify) {
		ret = run_tasks(&c, cps, verify_task);
		if (ret == 0 && c.err) {
			fprintf(stderr, "urt-cp: %s failed: %s\n", c.failed_op, strerror(-c.err));
			ret = c.err;
		}
		/* The sizes: a copy longer than SRC was, or a SRC that changed
		 * size inside a hole (which no read above would see). */
		struct stat now;
		for (int f = 0; f < 2; f++)
			if (ret == 0 && fstat(f ? c.src : c.dst, &now) == 0 && (uint64_t)now.st_size != c.size)
				note_mismatch(&c, (uint64_t)now.st_size < c.size ? (uint64_t)now.st_size : c.size);
		if (ret == 0 && c.mismatch) {
			fprintf(stderr, "urt-cp: verify: the copy differs from %s at byte %llu (did %s change during "
				"the copy?); %s not written\n", src_path, (unsigned long long)(c.mismatch - 1),
				src_path, dst_path);
			ret = -EIO;
		}
	}
	for (unsigned long i = 0; cps && i < qd; i++)
		free_copier(&cps[i]);
	free(cps);
	free(c.ext);
	close(c.src);
	if (ret == 0) {
		/* Without --fsync nothing is synced, as cp; with it the file
		 * before its name, then the directory. */
		ret = tb_publish_commit(&pub, NULL, dst_path, (force ? TB_REPLACE : 0) | (do_fsync ? TB_FSYNC : 0));
		if (ret < 0)
			fprintf(stderr, "urt-cp: %s: %s%s\n", dst_path, strerror(-ret),
				ret == -EEXIST ? " (it appeared during the copy; use --force to replace it)" : "");
	} else {
		close(c.dst);
		tb_publish_discard(&pub); /* nothing that looks like a copy stays */
	}
	return ret == 0 ? 0 : 1;
}
