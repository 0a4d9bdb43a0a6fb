/*
 * urt-faultfs - mounts BACKING at MOUNTPOINT through FUSE, passing every
 * call through and injecting the faults its rules ask for; see
 * faults/README.md ("Faults from below").
 *
 * Unmounting must not depend on this process ending well: the mount is made
 * with auto_unmount, so libfuse's fusermount3 helper unmounts it when our
 * /dev/fuse fd closes, however we die (SIGKILL included).  SIGINT, SIGTERM
 * and SIGHUP end the loop and unmount here; --die-with-parent turns the
 * death of the starting process into a SIGTERM.
 */
#include "build_stamp.h"
#include "faultfs.h"

#include <fuse.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct ffs_state ffs_g = { .backing_fd = -1 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: urt-faultfs [options] BACKING MOUNTPOINT\n"
		"Mounts BACKING at MOUNTPOINT (FUSE) and injects the faults the rules ask for.\n"
		"  --rules FILE        the rules to start with (format: faults/README.md; default none)\n"
		"  --seed N            seeds every decision (default: from the clock; logged)\n"
		"  --log FILE          append each fault and control event to FILE\n"
		"  --lazy              hold written data until fsync/fdatasync; 'crash' drops it\n"
		"  --cache             let the kernel cache file data (faults then hit the kernel's\n"
		"                      requests, not the program's calls)\n"
		"  --die-with-parent   exit (and unmount) when the process that started us dies\n"
		"  -h, --help          this text\n"
		"  --version           the version and the git revision it was built from\n"
		"Runs in the foreground until SIGINT/SIGTERM or `fusermount3 -u MOUNTPOINT`.\n"
		"Control files in the mount: /.faultfs/rules (read/replace), /.faultfs/log,\n"
		"/.faultfs/ctl (write: crash | sync | clear | mark TEXT).\n"
		"Exit: 0 unmounted cleanly, 1 the filesystem failed, 2 bad input, 77 FUSE unavailable.\n");
}

static void __attribute__((noreturn, format(printf, 2, 3))) die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "urt-faultfs: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(code);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die(2, "--rules: cannot open '%s': %s", path, strerror(errno));
	size_t len = 0, cap = 4096;
	char *s = malloc(cap);
	size_t n;
	while (s && (n = fread(s + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *t = cap > (1u << 20) ? NULL : realloc(s, cap *= 2);
			if (!t) {
				free(s);
				s = NULL;
			} else {
				s = t;
			}
		}
	}
	bool err = ferror(f);
	fclose(f);
	if (!s || err)
		die(2, "--rules: cannot read '%s' (or it is over 1 MiB)", path);
	s[len] = '\0';
	return s;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ "seed", required_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ "lazy", no_argument, NULL, 'z' },
		{ "cache", no_argument, NULL, 'c' },
		{ "die-with-parent", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rules_path = NULL, *log_path = NULL;
	bool seed_given = false, with_parent = false;
	int opt;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'r': rules_path = optarg; break;
		case 's': {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (!*optarg || *optarg == '-' || errno || *end)
				die(2, "--seed wants an unsigned integer, got '%s' (see --help)", optarg);
			ffs_g.seed = v;
			seed_given = true;
			break;
		}
		case 'l': log_path = optarg; break;
		case 'z': ffs_g.lazy = true; break;
		case 'c': ffs_g.cache = true; break;
		case 'd': with_parent = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': build_stamp_print_version(stdout, "urt-faultfs", NULL); return 0;
		case ':': die(2, "%s needs a value (see --help)", argv[optind - 1]);
		default: die(2, "unknown option '%s' (see --help)", argv[optind - 1]);
		}
	}
	if (argc - optind != 2)
		die(2, "want BACKING MOUNTPOINT, got %d argument(s) (see --help)", argc - optind);
	if (ffs_g.lazy && ffs_g.cache)
		die(2, "--lazy and --cache do not mix: after a crash the kernel's cache would still show dropped data");
	const char *backing = argv[optind], *mnt = argv[optind + 1];
	pid_t parent = getppid();
	if (with_parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent))
		die(1, "--die-with-parent: the parent is already gone");
	if (!seed_given)
		ffs_g.seed = (uint64_t)time(NULL);

	struct stat st;
	if ((ffs_g.backing_fd = open(backing, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		die(2, "BACKING '%s' is not a directory we can open: %s", backing, strerror(errno));
	if (stat(mnt, &st) != 0 || !S_ISDIR(st.st_mode))
		die(2, "MOUNTPOINT '%s' is not a directory", mnt);
	char *text = rules_path ? read_file(rules_path) : NULL;
	if (text) {
		char err[256];
		if (ffs_rules_parse(text, &ffs_g.rules, err, sizeof(err)) < 0)
			die(2, "%s: %s", rules_path, err);
	}
	if (log_path && !(ffs_g.log = fopen(log_path, "a")))
		die(2, "--log: cannot open '%s': %s", log_path, strerror(errno));
	if (access("/dev/fuse", R_OK | W_OK) != 0)
		die(77, "FUSE unavailable: /dev/fuse: %s", strerror(errno));

	ffs_log("start seed=%" PRIu64 " lazy=%s backing=%s mount=%s", ffs_g.seed, ffs_g.lazy ? "yes" : "no", backing, mnt);
	for (size_t i = 0; i < ffs_g.rules.n; i++)
		ffs_log("rule %zu: %s", i, ffs_g.rules.v[i].text);
	free(text);

	/* auto_unmount: see the top of this file.  fsname shows in /proc/mounts. */
	char *fargv[] = { argv[0], "-o", "auto_unmount,fsname=urt-faultfs,subtype=urt-faultfs", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse *f = fuse_new(&args, &ffs_ops, sizeof(ffs_ops), NULL);
	if (!f)
		die(1, "fuse_new failed");
	if (fuse_mount(f, mnt) != 0) {
		fuse_destroy(f);
		die(77, "FUSE unavailable: mounting '%s' failed (not permitted here?)", mnt);
	}
	/* A shell starts background jobs with SIGINT ignored, and libfuse only
	 * takes over signals left at their default: take them back, or `kill
	 * -INT` would leave the mount in place. */
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	int ret = 1;
	if (fuse_set_signal_handlers(fuse_get_session(f)) == 0) {
		/* One thread: requests in kernel order, decisions replayable. */
		ret = fuse_loop(f) < 0 ? 1 : 0;
		fuse_remove_signal_handlers(fuse_get_session(f));
	}
	fuse_unmount(f);
	fuse_destroy(f);
	ffs_log("unmounted: %" PRIu64 " fault(s), %" PRIu64 " crash(es)", ffs_g.faults, ffs_g.crashes);
	ffs_log_close();
	ffs_rules_free(&ffs_g.rules);
	ffs_decide_free();
	ffs_lazy_crash(); /* unsynced data at exit is lost, as in a crash; it was never promised */
	close(ffs_g.backing_fd);
	fuse_opt_free_args(&args);
	return ret;
}
