/*
 * urt_cp.c - urt-cp: copies one file with the runtime, qd tasks each moving
 * bs-sized blocks (read_full at an offset, then write_all at the same
 * offset), so it can stand next to cp and dd in a command-level comparison.
 *
 * usage: urt-cp [--qd N] [--bs SIZE] [--force] SRC DST
 * DST must not exist unless --force.  Exit 0 copied, 1 I/O error, 2 bad input.
 */
#define _GNU_SOURCE
#include "urt.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct copy {
	int src, dst;
	uint64_t size, bs;
	uint64_t next_off;  /* the next block to hand out; tasks share one thread, no lock */
	int err;            /* first error, -errno */
	const char *failed_op;
};

struct copier {
	struct copy *c;
	char *buf;
};

static void copy_task(void *arg)
{
	struct copier *cp = arg;
	struct copy *c = cp->c;
	while (!c->err && c->next_off < c->size) {
		uint64_t off = c->next_off;
		size_t len = c->size - off < c->bs ? (size_t)(c->size - off) : (size_t)c->bs;
		c->next_off += len;
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
		{ 0, 0, 0, 0 },
	};
	unsigned long qd = 8;
	uint64_t bs = 128 * 1024;
	bool force = false;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", longopts, NULL)) != -1) {
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
		case 'h': puts("usage: urt-cp [--qd N] [--bs SIZE] [--force] SRC DST"); return 0;
		case ':': return usage_error("option needs a value:", argv[optind - 1]);
		default: return usage_error("unknown option", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		return usage_error("usage: urt-cp [--qd N] [--bs SIZE] [--force] SRC DST", NULL);
	const char *src_path = argv[optind], *dst_path = argv[optind + 1];

	struct copy c = { .bs = bs };
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
	if (stat(dst_path, &dst_st) == 0 && dst_st.st_dev == st.st_dev && dst_st.st_ino == st.st_ino) {
		fprintf(stderr, "urt-cp: %s and %s are the same file\n", src_path, dst_path);
		return 2;
	}
	c.size = (uint64_t)st.st_size;
	c.dst = open(dst_path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), st.st_mode & 0777);
	if (c.dst < 0) {
		int err = errno;
		fprintf(stderr, "urt-cp: %s: %s%s\n", dst_path, strerror(err),
			err == EEXIST ? " (use --force to replace it)" : "");
		return 2;
	}

	struct urt *rt;
	struct urt_config cfg = { .entries = qd * 2 > 256 ? (unsigned)qd * 2 : 256 };
	int ret = urt_create(&rt, &cfg);
	if (ret < 0) {
		fprintf(stderr, "urt-cp: urt_create: %s\n", strerror(-ret));
		return 1;
	}
	struct copier *cps = calloc(qd, sizeof(*cps));
	for (unsigned long i = 0; cps && i < qd && ret == 0; i++) {
		cps[i].c = &c;
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
	if (close(c.dst) < 0 && ret == 0) {
		fprintf(stderr, "urt-cp: closing %s: %s\n", dst_path, strerror(errno));
		ret = -EIO;
	}
	close(c.src);
	return ret == 0 ? 0 : 1;
}
