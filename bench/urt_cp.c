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
 * The copy is written to a temporary name in DST's directory (DST.tmp.XXXXXX,
 * see common/toolbox.h) and renamed to DST only once every byte is
 * written, so DST is either absent (or, with
 * --force, the old file intact) or the complete copy: never a partial file.
 * On an error or a signal the temporary file is removed.  Like cp, the data
 * is not fsynced unless --fsync is given (then the file and the directory).
 */
#define _GNU_SOURCE
#include "urt.h"
#include "build_stamp.h"
#include "toolbox.h"
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

/* The copy under its temporary name, for the signal handler too. */
static struct tb_publish out;

static void on_signal(int sig)
{
	(void)sig;
	/* Only async-signal-safe calls: the copy may be anywhere in the runtime,
	 * so the process ends here rather than unwinding the tasks. */
	tb_publish_discard(&out);
	static const char msg[] = "urt-cp: interrupted\n";
	ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)w;
	_exit(130);
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
		uint64_t v;
		switch (opt) {
		case 'q':
			if (tb_parse_u64(optarg, 1, 1024, 0, &v) < 0)
				return usage_error("--qd: expected an integer in 1..1024, got", optarg);
			qd = (unsigned long)v;
			break;
		case 'b':
			if (tb_parse_u64(optarg, 1, 64u << 20, TB_SIZE, &bs) < 0)
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
	/* The mode a new file gets from open(O_CREAT) under the umask, as cp. */
	c.dst = tb_publish_begin(&out, dst_path, st.st_mode & 0777);
	if (c.dst < 0) {
		fprintf(stderr, "urt-cp: %s: cannot create a temporary file beside it: %s\n", dst_path,
			strerror(-c.dst));
		return 2;
	}

	struct urt *rt;
	struct urt_config cfg = { .entries = qd * 2 > 256 ? (unsigned)qd * 2 : 256 };
	int ret = urt_create(&rt, &cfg);
	if (ret < 0) {
		fprintf(stderr, "urt-cp: urt_create: %s\n", strerror(-ret));
		tb_publish_discard(&out);
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
	close(c.src);
	if (ret == 0) {
		/* With --fsync the file and then its directory are synced. */
		ret = tb_publish_commit(&out, NULL, dst_path, (force ? TB_REPLACE : 0) | (do_fsync ? TB_FSYNC : 0));
		if (ret < 0)
			fprintf(stderr, "urt-cp: %s: %s%s\n", dst_path, strerror(-ret),
				ret == -EEXIST ? " (it appeared during the copy; use --force to replace it)" : "");
	} else {
		close(c.dst);
		tb_publish_discard(&out); /* after a failure: nothing that looks like a copy stays */
	}
	return ret == 0 ? 0 : 1;
}
