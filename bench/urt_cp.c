/*
 * urt_cp.c - urt-cp: copies one file with the runtime, qd tasks each moving
 * bs-sized blocks (read_full at an offset, then write_all at the same
 * offset), so it can stand next to cp and dd in a command-level comparison.
 *
 * Task i copies the fixed stripe of blocks i, i + qd, ...
 *
 * usage: urt-cp [--qd N] [--bs SIZE] [--force] [--fsync] SRC DST
 * DST must not exist unless --force.  Exit 0 copied, 1 I/O error, 2 bad
 * input, 130 interrupted (SIGINT/SIGTERM).
 *
 * The copy is written to a temporary name in DST's directory and renamed to
 * DST only once every byte is written, so DST is either absent (or, with
 * --force, the old file intact) or the complete copy: never a partial file.
 * On an error or a signal the temporary file is removed.  Like cp, the data
 * is not fsynced unless --fsync is given (then the file and the directory).
 */
#define _GNU_SOURCE
#include "urt.h"
#include "build_stamp.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporary file's name while it exists, for the signal handler. */
static char tmp_path[4096];
static volatile sig_atomic_t tmp_exists;

static void on_signal(int sig)
{
	(void)sig;
	/* Only async-signal-safe calls: the copy may be anywhere in the runtime,
	 * so the process ends here rather than unwinding the tasks. */
	if (tmp_exists)
		unlink(tmp_path);
	static const char msg[] = "urt-cp: interrupted\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(130);
}

static void block_signals(bool block)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* Creates "DIR/.BASE.urt-cp.XXXXXX" next to dst; its fd, or -errno. */
static int create_temp(const char *dst, mode_t mode)
{
	const char *slash = strrchr(dst, '/');
	int dirlen = slash ? (int)(slash - dst + 1) : 0;
	int n = snprintf(tmp_path, sizeof(tmp_path), "%.*s.%s.urt-cp.XXXXXX", dirlen, dst, slash ? slash + 1 : dst);
	if (n < 0 || (size_t)n >= sizeof(tmp_path))
		return -ENAMETOOLONG;
	block_signals(true); /* the name is known to the handler before it exists */
	int fd = mkostemp(tmp_path, O_CLOEXEC);
	int err = errno;
	if (fd >= 0)
		tmp_exists = 1;
	block_signals(false);
	if (fd < 0)
		return -err;
	if (fchmod(fd, mode) < 0)
		return -errno;
	return fd;
}

/* Gives the finished temporary file its name: atomically replacing dst with
 * --force, failing with -EEXIST if dst appeared meanwhile without it. */
static int publish(const char *dst, bool force)
{
	block_signals(true);
	int ret = 0;
	if (force) {
		if (rename(tmp_path, dst) < 0)
			ret = -errno;
	} else if (renameat2(AT_FDCWD, tmp_path, AT_FDCWD, dst, RENAME_NOREPLACE) < 0) {
		ret = -errno;
		/* File systems without RENAME_NOREPLACE: link() refuses an
		 * existing name just as atomically. */
		if (ret == -EINVAL || ret == -ENOSYS) {
			ret = link(tmp_path, dst) < 0 ? -errno : 0;
			if (ret == 0)
				unlink(tmp_path);
		}
	}
	if (ret == 0)
		tmp_exists = 0;
	block_signals(false);
	return ret;
}

static void remove_temp(void)
{
	block_signals(true);
	if (tmp_exists)
		unlink(tmp_path);
	tmp_exists = 0;
	block_signals(false);
}

static int fsync_dir(const char *dst)
{
	char dir[4096];
	const char *slash = strrchr(dst, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (slash == dst ? 1 : (int)(slash - dst)) : 1, slash ? dst : ".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int ret = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

struct copy {
	int src, dst;
	uint64_t size, bs;
	unsigned long qd;
	int err;            /* first error, -errno */
	const char *failed_op;
};

struct copier {
	struct copy *c;
	unsigned long index;
	char *buf;
};

/* Task i copies blocks i, i + qd, i + 2 qd, ...: a fixed stripe rather than
 * the next free block, so which task does which operation does not depend
 * on the completion order, and a fault seed (FIU_PRNG_SEED) replays the same
 * faults on the same blocks. */
static void copy_task(void *arg)
{
	struct copier *cp = arg;
	struct copy *c = cp->c;
	for (uint64_t off = cp->index * c->bs; !c->err && off < c->size; off += c->qd * c->bs) {
		size_t len = c->size - off < c->bs ? (size_t)(c->size - off) : (size_t)c->bs;
		ssize_t n = urt_read_full(c->src, cp->buf, len, (off_t)off);
		if (n >= 0 && (size_t)n < len)
			n = -EIO; /* the source shrank under us */
		if (n < 0) {
			c->err = c->err ? c->err : (int)n;
			c->failed_op = "read";
			break;
		}
		n = urt_write_all(c->dst, cp->buf, len, (off_t)off);
		if (n < 0) {
			c->err = c->err ? c->err : (int)n;
			c->failed_op = "write";
			break;
		}
	}
}

static const char help[] =
	"usage: urt-cp [--qd N] [--bs SIZE] [--force] [--fsync] SRC DST\n"
	"\n"
	"Copy the file SRC to DST with the urt runtime: N tasks each move SIZE-byte\n"
	"blocks (a read at an offset, then a write at the same offset).\n"
	"\n"
	"  --qd N       tasks copying at once, 1..1024 (default 8)\n"
	"  --bs SIZE    block size, 1..64m, k/m/g suffixes (default 128k)\n"
	"  --force      replace DST if it exists (atomically, by rename)\n"
	"  --fsync      fsync the copy and its directory before returning\n"
	"  -h, --help   print this help and exit\n"
	"  --version    print the version and the git revision it was built from\n"
	"\n"
	"DST is written under a temporary name and renamed once complete: it is\n"
	"never left half-written.  It gets SRC's permission bits under the umask.\n"
	"Exit status: 0 copied, 1 I/O error, 2 bad input, 130 interrupted.\n";

static int usage_error(const char *msg, const char *arg)
{
	fprintf(stderr, "urt-cp: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "qd", required_argument, 0, 'q' }, { "bs", required_argument, 0, 'b' },
		{ "force", no_argument, 0, 'f' },    { "help", no_argument, 0, 'h' },
		{ "fsync", no_argument, 0, 's' },    { "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	unsigned long qd = 8;
	uint64_t bs = 128 * 1024;
	bool force = false, do_fsync = false;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		char *end;
		switch (opt) {
		case 'q':
			errno = 0;
			qd = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || *optarg == '-' || qd == 0 || qd > 1024)
				return usage_error("--qd: expected an integer in 1..1024, got", optarg);
			break;
		case 'b':
			if (wd_parse_size(optarg, &bs) < 0 || bs == 0 || bs > (64u << 20))
				return usage_error("--bs: expected a size in 1..64m, got", optarg);
			break;
		case 'f': force = true; break;
		case 's': do_fsync = true; break;
		case 'h': fputs(help, stdout); return 0;
		case 'V': build_stamp_print_version(stdout, "urt-cp", urt_version()); return 0;
		case ':': return usage_error("option needs a value:", argv[optind - 1]);
		default: return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return usage_error("usage: urt-cp [--qd N] [--bs SIZE] [--force] [--fsync] SRC DST", NULL);
	const char *src_path = argv[optind], *dst_path = argv[optind + 1];

	struct copy c = { .bs = bs, .qd = qd };
	c.src = open(src_path, O_RDONLY | O_CLOEXEC);
	if (c.src < 0) {
		fprintf(stderr, "urt-cp: %s: %s\n", src_path, strerror(errno));
		return 2;
	}
	struct stat st;
	if (fstat(c.src, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "urt-cp: %s: not a regular file\n", src_path);
		return 2;
	}
	struct stat dst_st;
	if (stat(dst_path, &dst_st) == 0) {
		if (dst_st.st_dev == st.st_dev && dst_st.st_ino == st.st_ino) {
			fprintf(stderr, "urt-cp: %s and %s are the same file\n", src_path, dst_path);
			return 2;
		}
		if (!force) {
			fprintf(stderr, "urt-cp: %s: %s (use --force to replace it)\n", dst_path, strerror(EEXIST));
			return 2;
		}
		if (S_ISDIR(dst_st.st_mode)) {
			fprintf(stderr, "urt-cp: %s: %s\n", dst_path, strerror(EISDIR));
			return 2;
		}
	}
	c.size = (uint64_t)st.st_size;

	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	mode_t mask = umask(0);
	umask(mask);
	/* The mode a new file gets from open(O_CREAT) under the umask, as cp. */
	c.dst = create_temp(dst_path, st.st_mode & 0777 & ~mask);
	if (c.dst < 0) {
		fprintf(stderr, "urt-cp: %s: cannot create a temporary file beside it: %s\n", dst_path,
			strerror(-c.dst));
		remove_temp();
		return 2;
	}

	struct urt *rt;
	struct urt_config cfg = { .entries = qd * 2 > 256 ? (unsigned)qd * 2 : 256 };
	int ret = urt_create(&rt, &cfg);
	if (ret < 0) {
		fprintf(stderr, "urt-cp: urt_create: %s\n", strerror(-ret));
		remove_temp();
		return 1;
	}
	struct copier *cps = calloc(qd, sizeof(*cps));
	for (unsigned long i = 0; cps && i < qd && ret == 0; i++) {
		cps[i].c = &c;
		cps[i].index = i;
		if (posix_memalign((void **)&cps[i].buf, 4096, (size_t)bs) != 0)
			ret = -ENOMEM;
		else
			ret = urt_spawn(rt, copy_task, &cps[i]);
	}
	if (!cps)
		ret = -ENOMEM;
	if (ret == 0)
		ret = urt_run(rt);
	urt_destroy(rt);
	for (unsigned long i = 0; cps && i < qd; i++)
		free(cps[i].buf);
	free(cps);
	if (ret == 0 && c.err) {
		fprintf(stderr, "urt-cp: %s failed: %s\n", c.failed_op, strerror(-c.err));
		ret = c.err;
	} else if (ret < 0) {
		fprintf(stderr, "urt-cp: %s\n", strerror(-ret));
	}
	if (ret == 0 && do_fsync && fsync(c.dst) < 0) {
		fprintf(stderr, "urt-cp: fsync %s: %s\n", tmp_path, strerror(errno));
		ret = -EIO;
	}
	if (close(c.dst) < 0 && ret == 0) {
		fprintf(stderr, "urt-cp: closing %s: %s\n", tmp_path, strerror(errno));
		ret = -EIO;
	}
	close(c.src);
	if (ret == 0) {
		ret = publish(dst_path, force);
		if (ret < 0)
			fprintf(stderr, "urt-cp: %s: %s%s\n", dst_path, strerror(-ret),
				ret == -EEXIST ? " (it appeared during the copy; use --force to replace it)" : "");
		else if (do_fsync && (ret = fsync_dir(dst_path)) < 0)
			fprintf(stderr, "urt-cp: fsync of %s's directory: %s\n", dst_path, strerror(-ret));
	}
	remove_temp(); /* after a failure: nothing that looks like a copy stays */
	return ret == 0 ? 0 : 1;
}
