/*
 * wl_faultfs.c - the fault matrix's "faultfs" layer (`urt-faults faultfs`):
 * faults from below.  Each cell mounts urt-faultfs over a scratch directory
 * with the cell's rules, runs a verifying workload on the mount through the
 * runtime, so EIO, short reads and writes and latency arrive from the
 * kernel as real completions, then verifies every byte on the backing store
 * behind FUSE's back.
 *
 * Expectations, per fault:
 *   eio      each injected EIO reaches exactly the caller whose operation
 *            failed (callers' EIO count == the daemon's), who repeats it;
 *            all data verifies
 *   short    cut reads and writes are continued; all data verifies
 *   latency  nothing is lost; when >= 2% of reads were delayed by D, the
 *            reads' p99 is >= D (a lower bound: load can only add to it)
 *   crash    (--lazy) records written with urt_write_all, acknowledged only
 *            after urt_fsync; after `crash` the backing files hold every
 *            acknowledged byte, nothing corrupt, and less than was written
 *
 * Each cell runs in a forked child under an alarm; the daemon is started
 * with --die-with-parent and mounts with auto_unmount, and the parent checks
 * /proc/self/mountinfo after every cell, so no ending leaves a mount behind.
 */
#include "modes.h"
#include "toolbox.h"
#include "workload.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef URT_FAULTFS_EXE
#define URT_FAULTFS_EXE "urt-faultfs"
#endif

#define MAX_IO (64 * 1024)
#define BASE_MAX 3968 /* a cell's scratch folder; what it names within stays under PATH_MAX */
#define LATENCY_NS 2000000ull /* the latency cells' delay: 2 ms */

enum ff_kind { FF_EIO, FF_SHORT, FF_LATENCY, FF_CRASH, FF_CRASH_EIO };

struct ff_cell {
	const char *name;
	enum ff_kind kind;
	void (*fn)(struct wl_run *run);
	const char *rules;
	/* Rules (bit per line) whose every fault must reach its caller as EIO.
	 * A write cut short comes back as EIO through io_uring: the kernel's
	 * asynchronous FUSE direct I/O turns a short write into -EIO
	 * (fs/fuse/file.c, fuse_get_res_by_io), so short= on writes is counted
	 * here, and the caller must rewrite the range. */
	unsigned eio_rules;
};

/* What the workload needs besides wl_run: where the files are. */
static struct {
	char backing[PATH_MAX]; /* BASE/backing/w: the files behind FUSE's back */
	char mnt[PATH_MAX];     /* BASE/mnt/w: the same files through the mount */
	char ctl[PATH_MAX];     /* BASE/mnt/.faultfs */
	enum ff_kind kind;
	const char *sabotage;
	uint64_t p99_ns, reads; /* randread's latency */
	uint64_t acked, written, kept; /* durable's bytes */
} ff;

/* ---- helpers ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int open_in(struct wl_run *run, const char *dir, const char *name, int flags)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, flags | O_CLOEXEC, 0644);
	if (fd < 0)
		wl_fail(run, "open %s: %s", path, strerror(errno));
	return fd;
}

/* A pattern file written directly to the backing store (not faulted). */
static int make_source(struct wl_run *run, const char *name, uint64_t size)
{
	int fd = open_in(run, ff.backing, name, O_WRONLY | O_CREAT | O_TRUNC);
	static char chunk[256 * 1024];
	for (uint64_t off = 0; fd >= 0 && off < size;) {
		size_t n = size - off < sizeof(chunk) ? (size_t)(size - off) : sizeof(chunk);
		wd_pattern_fill(chunk, n, off, run->p->seed);
		ssize_t w = pwrite(fd, chunk, n, (off_t)off);
		if (w <= 0) {
			wl_fail(run, "filling %s: %s", name, w < 0 ? strerror(errno) : "no progress");
			close(fd);
			return -1;
		}
		off += (uint64_t)w;
	}
	if (fd >= 0)
		close(fd);
	return fd < 0 ? -1 : 0;
}

/* Verifies [0, len) of a file on the backing store. */
static void verify_backing(struct wl_run *run, const char *name, uint64_t len)
{
	int fd = open_in(run, ff.backing, name, O_RDONLY);
	if (fd < 0)
		return;
	wl_verify_file(run, fd, 0, len, run->p->seed);
	close(fd);
}

/* ---- copy: src -> dst through the mount, dst verified on the backing store ---- */

struct copy {
	struct wl_run *run;
	int src, dst;
	uint64_t size, blocks, next;
	uint32_t bs;
	struct wl_ids ids;
};

static void copy_task(void *arg)
{
	struct copy *c = arg;
	char *buf = malloc(c->bs);
	if (!buf) {
		wl_fail(c->run, "out of memory for a copy buffer");
		return;
	}
	while (c->next < c->blocks && !c->run->r->failed) {
		uint64_t b = c->next++, off = b * c->bs;
		size_t len = c->size - off < c->bs ? (size_t)(c->size - off) : c->bs;
		wl_id_start(&c->ids, b);
		bool ok = wl_read_range(c->run, c->src, buf, len, off, (unsigned)(b % 3)) == 0 &&
			  wl_write_range(c->run, c->dst, buf, len, off, b & 1) == 0;
		wl_id_done(&c->ids, b, ok);
		if (!ok)
			break;
	}
	free(buf);
}

static void ff_copy(struct wl_run *run)
{
	struct copy c = { .run = run, .src = -1, .dst = -1 };
	c.size = wl_scaled(run, 4u << 20, 128 << 10) + wd_below(&run->prng, 4096); /* a ragged last block */
	c.bs = 4096u << wd_below(&run->prng, 3); /* 4-16 KiB: enough calls for p = 0.05 to fire */
	c.blocks = (c.size + c.bs - 1) / c.bs;
	unsigned tasks = 4 + (unsigned)wd_below(&run->prng, 13);
	struct urt *rt = NULL;
	struct urt_config cfg = wl_seeded_config(run);
	if (make_source(run, "src", c.size) < 0 || (c.src = open_in(run, ff.mnt, "src", O_RDONLY)) < 0 ||
	    (c.dst = open_in(run, ff.mnt, "dst", O_WRONLY | O_CREAT | O_TRUNC)) < 0 ||
	    wl_ids_init(run, &c.ids, c.blocks) < 0)
		goto out;
	if (wl_create(run, &rt, &cfg) == 0) {
		for (unsigned i = 0; i < tasks; i++)
			if (wl_spawn(run, rt, copy_task, &c) < 0)
				break;
		wl_run_and_destroy(run, rt);
	}
	verify_backing(run, "dst", c.size);
	run->r->bytes_expected += 2 * c.size;
	wl_ids_finish(run, &c.ids);
out:
	if (c.src >= 0)
		close(c.src);
	if (c.dst >= 0)
		close(c.dst);
}

/* ---- randread: random reads through the mount, each one timed ---- */

struct randread {
	struct wl_run *run;
	int fd;
	uint64_t size, per_task, expected;
	uint64_t *lat;
	struct wl_ids ids;
};

struct rr_worker {
	struct randread *rr;
	unsigned index;
};

#define RR_TASKS 8

static void randread_task(void *arg)
{
	struct rr_worker *w = arg;
	struct randread *rr = w->rr;
	uint64_t prng = rr->run->p->seed ^ (0x7a11u + w->index);
	char *buf = malloc(MAX_IO);
	if (!buf) {
		wl_fail(rr->run, "out of memory for a read buffer");
		return;
	}
	for (uint64_t i = 0; i < rr->per_task && !rr->run->r->failed; i++) {
		uint64_t off = wd_below(&prng, rr->size), room = rr->size - off;
		size_t len = 1 + (size_t)wd_below(&prng, room < MAX_IO ? room : MAX_IO);
		size_t id = w->index * rr->per_task + i;
		wl_id_start(&rr->ids, id);
		rr->expected += len;
		uint64_t t0 = now_ns();
		bool ok = wl_read_range(rr->run, rr->fd, buf, len, off, (unsigned)(i % 3)) == 0;
		rr->lat[id] = now_ns() - t0;
		wl_id_done(&rr->ids, id, ok);
		if (!ok)
			break;
	}
	free(buf);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void ff_randread(struct wl_run *run)
{
	struct randread rr = { .run = run, .fd = -1 };
	rr.size = wl_scaled(run, 4u << 20, 128 << 10);
	rr.per_task = wl_scaled(run, 100, 10);
	struct rr_worker workers[RR_TASKS];
	struct urt *rt = NULL;
	struct urt_config cfg = wl_seeded_config(run);
	rr.lat = calloc(RR_TASKS * rr.per_task, sizeof(*rr.lat));
	if (!rr.lat || make_source(run, "data", rr.size) < 0 || (rr.fd = open_in(run, ff.mnt, "data", O_RDONLY)) < 0 ||
	    wl_ids_init(run, &rr.ids, RR_TASKS * rr.per_task) < 0)
		goto out;
	if (wl_create(run, &rt, &cfg) == 0) {
		for (unsigned i = 0; i < RR_TASKS; i++) {
			workers[i] = (struct rr_worker){ &rr, i };
			if (wl_spawn(run, rt, randread_task, &workers[i]) < 0)
				break;
		}
		wl_run_and_destroy(run, rt);
	}
	run->r->bytes_expected += rr.expected;
	ff.reads = RR_TASKS * rr.per_task;
	qsort(rr.lat, ff.reads, sizeof(*rr.lat), cmp_u64);
	ff.p99_ns = rr.lat[(ff.reads * 99 + 99) / 100 - 1]; /* nearest rank */
	wl_ids_finish(run, &rr.ids);
out:
	free(rr.lat);
	if (rr.fd >= 0)
		close(rr.fd);
}

/* ---- randwrite: slots written in random order, read back, then checked behind FUSE ---- */

static void ff_randwrite(struct wl_run *run)
{
	struct wl_randwrite rw = { .run = run, .fd = -1 };
	rw.slot = 4096u << wd_below(&run->prng, 3);
	rw.slots = wl_scaled(run, 4u << 20, 128 << 10) / rw.slot;
	rw.order = malloc(rw.slots * sizeof(*rw.order));
	struct urt_config cfg = wl_seeded_config(run);
	if (!rw.order || (rw.fd = open_in(run, ff.mnt, "slots", O_RDWR | O_CREAT | O_TRUNC)) < 0 ||
	    wl_ids_init(run, &rw.ids, 2 * rw.slots) < 0)
		goto out;
	wl_randwrite_slots(&rw, &cfg);
	verify_backing(run, "slots", rw.slots * rw.slot);
	run->r->bytes_expected += 2 * rw.slots * rw.slot;
	wl_ids_finish(run, &rw.ids);
out:
	free(rw.order);
	if (rw.fd >= 0)
		close(rw.fd);
}

/* ---- durable: append, fsync, acknowledge; crash; what was acknowledged survives ---- */

#define DUR_FILES 4

struct durable {
	struct wl_run *run;
	int fd[DUR_FILES];
	uint64_t records, acked[DUR_FILES], written[DUR_FILES];
};

struct dur_worker {
	struct durable *d;
	unsigned index;
};

static void durable_task(void *arg)
{
	struct dur_worker *w = arg;
	struct durable *d = w->d;
	unsigned i = w->index;
	uint64_t prng = d->run->p->seed ^ (0xd0u + i);
	bool sabotage = ff.sabotage && strcmp(ff.sabotage, "ack-before-fsync") == 0;
	char *buf = malloc(MAX_IO);
	if (!buf) {
		wl_fail(d->run, "out of memory for a record");
		return;
	}
	uint64_t off = 0;
	/* Records of odd sizes, a sync every 1-8 of them; the last batch is
	 * never synced: it is what the crash must take away. */
	for (uint64_t r = 0; r < d->records && !d->run->r->failed;) {
		unsigned batch = 1 + (unsigned)wd_below(&prng, 8);
		bool last = r + batch >= d->records;
		for (unsigned k = 0; k < batch && r < d->records; k++, r++) {
			size_t len = 1 + (size_t)wd_below(&prng, 16384);
			wd_pattern_fill(buf, len, off, d->run->p->seed);
			if (wl_write_range(d->run, d->fd[i], buf, len, off, false) < 0)
				goto out;
			off += len;
			d->written[i] = off;
		}
		if (last)
			break;
		if (sabotage && (r & 1)) { /* tells the caller "durable" without syncing */
			d->acked[i] = off;
			continue;
		}
		int ret;
		while ((ret = urt_fsync(d->fd[i])) < 0)
			if (!wl_error(d->run, ret, "fsync"))
				goto out;
		d->acked[i] = off; /* only now may the program say "durable" */
	}
out:
	free(buf);
}

static void ff_durable(struct wl_run *run)
{
	struct durable d = { .run = run };
	struct dur_worker workers[DUR_FILES];
	d.records = wl_scaled(run, 200, 20);
	for (unsigned i = 0; i < DUR_FILES; i++)
		d.fd[i] = -1;
	char name[32];
	for (unsigned i = 0; i < DUR_FILES; i++) {
		snprintf(name, sizeof(name), "log%u", i);
		if ((d.fd[i] = open_in(run, ff.mnt, name, O_WRONLY | O_CREAT | O_TRUNC)) < 0)
			goto out;
	}
	struct urt *rt = NULL;
	struct urt_config cfg = wl_seeded_config(run);
	if (wl_create(run, &rt, &cfg) < 0)
		goto out;
	for (unsigned i = 0; i < DUR_FILES; i++) {
		workers[i] = (struct dur_worker){ &d, i };
		if (wl_spawn(run, rt, durable_task, &workers[i]) < 0)
			break;
	}
	wl_run_and_destroy(run, rt);
	/* The power goes out. */
	int cfd = open_in(run, ff.ctl, "ctl", O_WRONLY);
	if (cfd < 0)
		goto out;
	if (write(cfd, "crash\n", 6) != 6 || close(cfd) != 0) {
		wl_fail(run, "writing 'crash' to /.faultfs/ctl: %s", strerror(errno));
		goto out;
	}
	for (unsigned i = 0; i < DUR_FILES && !run->r->failed; i++) {
		snprintf(name, sizeof(name), "log%u", i);
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/%s", ff.backing, name);
		struct stat st;
		if (stat(path, &st) != 0) {
			wl_fail(run, "after the crash: %s: %s", path, strerror(errno));
			break;
		}
		uint64_t kept = (uint64_t)st.st_size;
		if (kept < d.acked[i]) {
			run->r->corrupted_bytes += d.acked[i] - kept;
			wl_fail(run, "acknowledged data lost: %s holds %llu bytes after the crash, %llu were acknowledged durable",
				name, (unsigned long long)kept, (unsigned long long)d.acked[i]);
			break;
		}
		verify_backing(run, name, kept); /* acknowledged, and whatever else survived, must be right */
		run->r->bytes_expected += kept;
		ff.acked += d.acked[i];
		ff.written += d.written[i];
		ff.kept += kept;
	}
out:
	for (unsigned i = 0; i < DUR_FILES; i++)
		if (d.fd[i] >= 0)
			close(d.fd[i]);
}

/* ---- the cells ---- */

static const struct ff_cell cells[] = {
	{ "eio:copy", FF_EIO, ff_copy, "read,write /w/* error=EIO p=0.05\n", 1 },
	{ "eio:randread", FF_EIO, ff_randread, "read /w/* error=EIO p=0.05\n", 1 },
	{ "eio:randwrite", FF_EIO, ff_randwrite, "read /w/* error=EIO p=0.05\nwrite /w/* error=EIO p=0.05\n", 3 },
	{ "short:copy", FF_SHORT, ff_copy, "read /w/* short=random p=0.3\nwrite /w/* short=random p=0.1\n", 2 },
	{ "short:randread", FF_SHORT, ff_randread, "read /w/* short=random p=0.3\n", 0 },
	{ "short:randwrite", FF_SHORT, ff_randwrite, "read /w/* short=random p=0.3\nwrite /w/* short=random p=0.1\n", 2 },
	{ "latency:copy", FF_LATENCY, ff_copy, "read,write /w/* delay=uniform:0ms:2ms p=0.05\n", 0 },
	{ "latency:randread", FF_LATENCY, ff_randread, "read /w/* delay=2ms p=0.1\n", 0 },
	{ "latency:randwrite", FF_LATENCY, ff_randwrite, "write /w/* delay=exp:1ms p=0.05\n", 0 },
	{ "crash:durable", FF_CRASH, ff_durable, "", 0 },
	{ "crash-eio:durable", FF_CRASH_EIO, ff_durable, "write /w/* error=EIO p=0.05\n", 1 },
};
#define NCELLS (sizeof(cells) / sizeof(cells[0]))

struct ff_opts {
	uint64_t seed;
	double scale;
	bool scale_given;
	const char *dir;
	unsigned watchdog;
};

static uint64_t ff_cell_seed(const struct ff_cell *c, uint64_t seed)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (const char *s = c->name; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	uint64_t state = seed ^ h;
	return wd_next(&state);
}

/* Is PATH a mount point in this namespace?  (mountinfo field 5, octal-escaped.) */
static bool mounted(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char mp[PATH_MAX], out[PATH_MAX];
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1)
			continue;
		size_t o = 0;
		for (const char *s = mp; *s && o + 1 < sizeof(out); s++) {
			if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
				out[o++] = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
				s += 3;
			} else {
				out[o++] = *s;
			}
		}
		out[o] = '\0';
		found = strcmp(out, path) == 0;
	}
	fclose(f);
	return found;
}

#define MAX_RULES 8

/* Reads the "rule I matched=M fired=F" lines of the daemon's log view into
 * fired[]; the total, or UINT64_MAX when the log cannot be read. */
static uint64_t faults_fired(uint64_t fired[MAX_RULES])
{
	char path[PATH_MAX + 8];
	snprintf(path, sizeof(path), "%s/log", ff.ctl);
	FILE *f = fopen(path, "r");
	if (!f)
		return UINT64_MAX;
	char line[512];
	uint64_t total = 0;
	unsigned rule;
	unsigned long long n;
	memset(fired, 0, MAX_RULES * sizeof(*fired));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "rule %u matched=%*u fired=%llu", &rule, &n) == 2 && rule < MAX_RULES) {
			fired[rule] = n;
			total += n;
		}
	fclose(f);
	return total;
}

static int run_cmd(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDOUT_FILENO), dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return pid < 0 ? -1 : status;
}

/* Starts the daemon and waits for its mount; the daemon's pid, or -1 with a
 * reason (*skip set when FUSE is unavailable). */
static pid_t start_daemon(const char base[BASE_MAX], const char *rules_path, uint64_t seed, bool lazy, bool *skip,
			  char *why, size_t whysize)
{
	char backing[PATH_MAX], mnt[PATH_MAX], log[PATH_MAX], seed_s[32];
	snprintf(backing, sizeof(backing), "%s/backing", base);
	snprintf(mnt, sizeof(mnt), "%s/mnt", base);
	snprintf(log, sizeof(log), "%s/faultfs.log", base);
	snprintf(seed_s, sizeof(seed_s), "%" PRIu64, seed);
	char *argv[16];
	int n = 0;
	argv[n++] = URT_FAULTFS_EXE;
	argv[n++] = "--die-with-parent";
	argv[n++] = "--seed";
	argv[n++] = seed_s;
	argv[n++] = "--rules";
	argv[n++] = (char *)rules_path;
	argv[n++] = "--log";
	argv[n++] = log;
	if (lazy)
		argv[n++] = "--lazy";
	argv[n++] = backing;
	argv[n++] = mnt;
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whysize, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "urt-faults: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	char probe[PATH_MAX + 16];
	snprintf(probe, sizeof(probe), "%s/.faultfs/ctl", mnt);
	for (int i = 0; i < 1000; i++) { /* 10 s */
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			*skip = WIFEXITED(status) && WEXITSTATUS(status) == 77;
			snprintf(why, whysize, "urt-faultfs exited (%s %d) before mounting%s",
				 WIFEXITED(status) ? "status" : "signal",
				 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				 *skip ? ": FUSE unavailable here" : "");
			return -1;
		}
		if (access(probe, F_OK) == 0)
			return pid;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	snprintf(why, whysize, "urt-faultfs did not mount within 10 s");
	return -1;
}

/* The child's half of a cell; the exit status: 0 pass, 1 fail, 77 skip. */
static int ff_cell_child(const struct ff_cell *c, const struct ff_opts *o, const char base[BASE_MAX])
{
	uint64_t seed = ff_cell_seed(c, o->seed);
	char rules[PATH_MAX];
	snprintf(rules, sizeof(rules), "%s/rules", base);
	FILE *f = fopen(rules, "w");
	if (!f || fputs(c->rules, f) < 0 || fclose(f) != 0) {
		printf("    reason: cannot write %s\n", rules);
		return 1;
	}
	snprintf(ff.backing, sizeof(ff.backing), "%s/backing/w", base);
	snprintf(ff.mnt, sizeof(ff.mnt), "%s/mnt/w", base);
	snprintf(ff.ctl, sizeof(ff.ctl), "%s/mnt/.faultfs", base);
	ff.kind = c->kind;
	ff.sabotage = getenv("URT_FAULTFS_SABOTAGE");
	wl_sabotage_ignore_eio = ff.sabotage && strcmp(ff.sabotage, "ignore-eio") == 0;
	if (mkdir(ff.backing, 0755) != 0) {
		printf("    reason: mkdir %s: %s\n", ff.backing, strerror(errno));
		return 1;
	}
	bool lazy = c->kind == FF_CRASH || c->kind == FF_CRASH_EIO, skip = false;
	char why[256];
	pid_t daemon = start_daemon(base, rules, seed, lazy, &skip, why, sizeof(why));
	if (daemon < 0) {
		printf("    %s: %s\n", skip ? "skip" : "reason", why);
		return skip ? 77 : 1;
	}

	struct wl_params p = { .seed = seed, .scale = o->scale, .dir = ff.mnt };
	if (c->eio_rules)
		p.retryable_error = -EIO;
	struct wl_result r = { 0 };
	struct wl_run run = { .p = &p, .r = &r, .prng = seed };
	uint64_t t0 = now_ns();
	c->fn(&run);
	double secs = (double)(now_ns() - t0) / 1e9;
	uint64_t per_rule[MAX_RULES], fired = faults_fired(per_rule), eio_due = 0;
	for (unsigned i = 0; fired != UINT64_MAX && i < MAX_RULES; i++)
		if (c->eio_rules & (1u << i))
			eio_due += per_rule[i];

	/* Unmount: SIGTERM ends the daemon's loop, which unmounts. */
	kill(daemon, SIGTERM);
	int status;
	while (waitpid(daemon, &status, 0) < 0 && errno == EINTR)
		;
	if (!r.failed && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		wl_fail(&run, "urt-faultfs ended with %s %d", WIFEXITED(status) ? "status" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));

	/* The judgement. */
	if (!r.failed && (r.corrupted_bytes || r.lost_ops || r.doubled_ops))
		wl_fail(&run, "corrupted %" PRIu64 ", lost %" PRIu64 ", doubled %" PRIu64, r.corrupted_bytes,
			r.lost_ops, r.doubled_ops);
	if (!r.failed && r.bytes_verified != r.bytes_expected)
		wl_fail(&run, "verified %" PRIu64 " bytes of %" PRIu64, r.bytes_verified, r.bytes_expected);
	if (!r.failed && fired == UINT64_MAX)
		wl_fail(&run, "could not read /.faultfs/log");
	if (!r.failed && c->rules[0] && fired == 0)
		wl_fail(&run, "no fault fired: the cell tested nothing");
	/* Each EIO made below reaches exactly one caller: the one whose call failed. */
	if (!r.failed && r.eio_seen != eio_due)
		wl_fail(&run, "%" PRIu64 " EIO made below, %" PRIu64 " reached callers", eio_due, r.eio_seen);
	if (!r.failed && r.errors_seen != r.eio_seen)
		wl_fail(&run, "%" PRIu64 " errors other than EIO reached callers", r.errors_seen - r.eio_seen);
	if (!r.failed && c->kind == FF_LATENCY && c->fn == ff_randread && fired * 50 >= ff.reads &&
	    ff.p99_ns < LATENCY_NS)
		wl_fail(&run, "%" PRIu64 " of %" PRIu64 " reads delayed 2 ms, yet p99 is %.3f ms", fired, ff.reads,
			(double)ff.p99_ns / 1e6);
	if (!r.failed && lazy && ff.kept >= ff.written)
		wl_fail(&run, "the crash lost nothing (%" PRIu64 " of %" PRIu64 " bytes kept): nothing was tested",
			ff.kept, ff.written);

	printf("%-18s %s %6.2fs faults=%-5" PRIu64 " verified=%-9" PRIu64 " errors=%" PRIu64, c->name,
	       r.failed ? "FAIL" : "pass", secs, fired == UINT64_MAX ? 0 : fired, r.bytes_verified, r.errors_seen);
	if (c->fn == ff_randread)
		printf(" p99=%.3fms", (double)ff.p99_ns / 1e6);
	if (lazy)
		printf(" acked=%" PRIu64 " kept=%" PRIu64 " written=%" PRIu64, ff.acked, ff.kept, ff.written);
	printf("\n");
	if (r.failed)
		printf("    reason: %s\n", r.reason);
	return r.failed ? 1 : 0;
}

static int rm_tree(const char *path)
{
	char *argv[] = { "rm", "-rf", "--one-file-system", (char *)path, NULL };
	return run_cmd(argv);
}

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	interrupted = sig;
}

/* Runs a cell in a child; 0 pass, 1 fail/hang, 77 skip. */
static int ff_cell_run(const struct ff_cell *c, const struct ff_opts *o)
{
	char base[BASE_MAX];
	if ((size_t)snprintf(base, sizeof(base), "%s/urt-faultfs-XXXXXX", o->dir) >= sizeof(base)) {
		printf("%-18s FAIL: --dir path too long\n", c->name);
		return 1;
	}
	if (!mkdtemp(base)) {
		printf("%-18s FAIL: mkdtemp in %s: %s\n", c->name, o->dir, strerror(errno));
		return 1;
	}
	char sub[PATH_MAX + 16], mnt[PATH_MAX + 16];
	snprintf(sub, sizeof(sub), "%s/backing", base);
	snprintf(mnt, sizeof(mnt), "%s/mnt", base);
	mkdir(sub, 0755);
	mkdir(mnt, 0755);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		alarm(o->watchdog); /* a hung cell dies; its daemon follows it (--die-with-parent) */
		int ret = ff_cell_child(c, o, base);
		fflush(stdout);
		_exit(ret);
	}
	int status = 0, ret;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0) {
		printf("%-18s FAIL: fork: %s\n", c->name, strerror(errno));
		ret = 1;
	} else if (WIFSIGNALED(status)) {
		bool hang = WTERMSIG(status) == SIGALRM;
		printf("%-18s %s\n    reason: %s %d\n", c->name, hang ? "HANG" : "FAIL",
		       hang ? "watchdog: killed after the cell's time, signal" : "signal", WTERMSIG(status));
		ret = 1;
	} else {
		ret = WEXITSTATUS(status) == 77 ? 77 : WEXITSTATUS(status) == 0 ? 0 : 1;
	}
	/* However the cell ended, its mount must be gone: the daemon unmounts on
	 * SIGTERM, and its auto_unmount helper when it dies.  Give that a few
	 * seconds, then force it and fail the cell. */
	char real[PATH_MAX + 16];
	if (!realpath(mnt, real))
		snprintf(real, sizeof(real), "%s", mnt);
	for (int i = 0; i < 300 && mounted(real); i++)
		usleep(10000);
	if (mounted(real)) {
		char *argv[] = { "fusermount3", "-u", "-z", real, NULL };
		run_cmd(argv);
		printf("    reason: %s was still mounted after the cell ended\n", real);
		ret = 1;
	}
	rm_tree(base);
	return ret;
}

static void ff_usage(FILE *f)
{
	fprintf(f, "usage: urt-faults faultfs [--seed N] [--cell NAME] [--scale X] [--dir DIR] [--watchdog S]\n"
		   "Runs the verifying workloads on an urt-faultfs mount (faults from below).\n"
		   "Exit: 0 all passed, 1 a cell failed, 2 bad input or interrupted, 77 FUSE unavailable.\n"
		   "cells:\n");
	for (size_t i = 0; i < NCELLS; i++)
		fprintf(f, "  %-18s rules: %s", cells[i].name, cells[i].rules[0] ? cells[i].rules : "(none; --lazy)\n");
}

static void __attribute__((noreturn)) ff_bad(const char *what, const char *arg)
{
	fprintf(stderr, "urt-faults faultfs: %s '%s' (see --help)\n", what, arg);
	exit(2);
}

int faultfs_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },  { "cell", required_argument, NULL, 'c' },
		{ "scale", required_argument, NULL, 'S' }, { "dir", required_argument, NULL, 'd' },
		{ "watchdog", required_argument, NULL, 'W' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ff_opts o = { .seed = (uint64_t)time(NULL), .scale = 1.0, .watchdog = 60 };
	const char *only = NULL;
	int opt;
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (tb_parse_u64(optarg, 0, UINT64_MAX, 0, &o.seed) < 0)
				ff_bad("--seed wants an unsigned integer, got", optarg);
			break;
		case 'c': only = optarg; break;
		case 'S':
			if (tb_parse_double(optarg, 0.001, 100, &o.scale) < 0)
				ff_bad("--scale wants a number in [0.001, 100], got", optarg);
			o.scale_given = true;
			break;
		case 'd': o.dir = optarg; break;
		case 'W': {
			uint64_t v;
			if (tb_parse_u64(optarg, 1, 3600, 0, &v) < 0)
				ff_bad("--watchdog wants seconds in [1, 3600], got", optarg);
			o.watchdog = (unsigned)v;
			break;
		}
		case 'h': ff_usage(stdout); return 0;
		case ':': ff_bad("this option needs a value:", argv[optind - 1]);
		default: ff_bad("unknown option", argv[optind - 1]);
		}
	}
	if (optind < argc)
		ff_bad("unexpected argument", argv[optind]);
	if (!o.dir) {
		const char *t = getenv("TMPDIR");
		o.dir = t && *t ? t : "/tmp";
	}
	struct stat st;
	if (stat(o.dir, &st) != 0 || !S_ISDIR(st.st_mode))
		ff_bad("--dir is not a directory:", o.dir);
	if (only) {
		size_t i = 0;
		while (i < NCELLS && strcmp(cells[i].name, only) != 0)
			i++;
		if (i == NCELLS)
			ff_bad("--cell: no such cell", only);
	}
	if (access("/dev/fuse", R_OK | W_OK) != 0) {
		printf("urt-faults faultfs: skipped: /dev/fuse: %s\n", strerror(errno));
		return 77;
	}
	if (access(URT_FAULTFS_EXE, X_OK) != 0) {
		printf("urt-faults faultfs: skipped: %s was not built (libfuse3-dev missing?)\n", URT_FAULTFS_EXE);
		return 77;
	}
	struct sigaction sa = { .sa_handler = on_sigint };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = '\0';
	if (len <= 0)
		snprintf(exe, sizeof(exe), "urt-faults");
	printf("urt-faults faultfs: seed %" PRIu64 ", scale %g, watchdog %u s\n", o.seed, o.scale, o.watchdog);
	unsigned failed = 0, passed = 0, skipped = 0;
	for (size_t i = 0; i < NCELLS && !interrupted; i++) {
		if (only && strcmp(cells[i].name, only) != 0)
			continue;
		int ret = ff_cell_run(&cells[i], &o);
		if (ret == 77) {
			skipped++;
			continue;
		}
		if (ret == 0) {
			passed++;
			continue;
		}
		failed++;
		char scale[48] = "";
		if (o.scale_given)
			snprintf(scale, sizeof(scale), " --scale %g", o.scale);
		printf("    replay: %s faultfs --seed %" PRIu64 " --cell %s%s\n", exe, o.seed, cells[i].name, scale);
	}
	if (interrupted) {
		printf("urt-faults faultfs: interrupted (signal %d); the cell in progress was cleaned up\n", (int)interrupted);
		return 2;
	}
	if (skipped && !passed && !failed) {
		printf("urt-faults faultfs: skipped: FUSE mounts are not permitted here\n");
		return 77;
	}
	printf("urt-faults faultfs: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
