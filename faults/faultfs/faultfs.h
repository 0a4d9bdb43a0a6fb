/*
 * faultfs.h - urt-faultfs, a FUSE passthrough filesystem that injects faults
 * from below: the kernel itself hands the program EIO, short reads and
 * writes, latency, and (with --lazy) the loss of everything not yet synced.
 *
 * One job per file: rules.c parses the rules, decide.c makes the seeded
 * decisions, lazy.c holds unsynced writes, control.c serves /.faultfs,
 * log.c records what happened, ops.c is the filesystem, main.c mounts it.
 *
 * The daemon runs libfuse's single-threaded loop: requests are handled one
 * at a time in the order the kernel sends them, so the state below needs no
 * lock, and a decision depends only on (seed, rule, path, op count).
 */
#ifndef URT_FAULTFS_H
#define URT_FAULTFS_H

#define FUSE_USE_VERSION 31

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

enum ffs_op {
	FFS_OPEN, /* open and create */
	FFS_READ,
	FFS_WRITE,
	FFS_FSYNC, /* fsync and fdatasync */
	FFS_FLUSH, /* close(2) */
	FFS_GETATTR,
	FFS_TRUNCATE,
	FFS_UNLINK,
	FFS_RENAME,
	FFS_MKDIR,
	FFS_RMDIR,
	FFS_READDIR,
	FFS_OP_COUNT
};
const char *ffs_op_name(enum ffs_op op);

enum ffs_delay { FFS_DELAY_NONE, FFS_DELAY_FIXED, FFS_DELAY_UNIFORM, FFS_DELAY_EXP };

struct ffs_rule {
	uint32_t ops;      /* bit per enum ffs_op */
	char *glob;        /* fnmatch(3) pattern over the path in the mount, flags 0 */
	int err;           /* errno to return, 0 = none */
	bool cut;          /* short read/write */
	uint64_t cut_len;  /* bytes kept; 0 = a random length */
	enum ffs_delay delay;
	uint64_t delay_a, delay_b; /* ns: fixed / uniform [a, b] / exponential mean a */
	double p;          /* probability, default 1 */
	uint64_t nth;      /* only the rule's nth match (1-based); 0 = any */
	uint64_t after;    /* skip the first `after` matches */
	uint64_t count;    /* at most this many faults; 0 = no limit */
	char *text;        /* the rule as written, for the log */
	uint64_t matched, fired;
};

struct ffs_rules {
	struct ffs_rule *v;
	size_t n;
};

/* rules.c: parses a whole rules text; 0, or -1 with "line N: why" in err. */
int ffs_rules_parse(const char *text, struct ffs_rules *out, char *err, size_t errsize);
void ffs_rules_free(struct ffs_rules *r);

/* What decide.c says to do to one call. */
struct ffs_decision {
	int err;          /* > 0: fail the call with -err */
	size_t keep;      /* < the requested length: cut the read/write to it */
	uint64_t delay_ns;
	int rule;         /* the rule that fired, -1 = none */
};

/* decide.c: counts the call as (path, op) number n and asks the rules in
 * order; the first that fires decides.  len: the bytes asked for (reads and
 * writes), 0 otherwise.  Sleeps the delay itself. */
void ffs_decide(enum ffs_op op, const char *path, size_t len, struct ffs_decision *d);
void ffs_decide_free(void);

/* lazy.c: with --lazy, written data stays here until fsync. */
int ffs_lazy_write(int fd, const char *buf, size_t len, off_t off);
ssize_t ffs_lazy_read(int fd, char *buf, size_t len, off_t off);
int ffs_lazy_sync_fd(int fd);
int ffs_lazy_sync_all(void);
/* Drops every unsynced write; returns the bytes dropped. */
uint64_t ffs_lazy_crash(void);
/* The file's size as the program sees it (backing size or unsynced end). */
off_t ffs_lazy_size(dev_t dev, ino_t ino, off_t backing_size);
/* Truncates fd's file to size: held data beyond it goes; growth is held. */
int ffs_lazy_truncate(int fd, off_t size);
void ffs_lazy_stats(uint64_t *files, uint64_t *bytes);

/* control.c: the /.faultfs directory. */
enum ffs_ctl { FFS_CTL_NONE = -1, FFS_CTL_DIR, FFS_CTL_RULES, FFS_CTL_LOG, FFS_CTL_CMD };
enum ffs_ctl ffs_ctl_kind(const char *path);
struct ffs_handle;
int ffs_ctl_open(enum ffs_ctl kind, int flags, struct ffs_handle *h);
int ffs_ctl_read(struct ffs_handle *h, char *buf, size_t size, off_t off);
int ffs_ctl_write(struct ffs_handle *h, const char *buf, size_t size, off_t off);
int ffs_ctl_flush(struct ffs_handle *h);
void ffs_ctl_release(struct ffs_handle *h);
/* Replaces the rules; 0, or -EINVAL with the reason logged. */
int ffs_set_rules(const char *text, const char *source);

/* An open file: a backing fd, or a control file's text. */
struct ffs_handle {
	struct ffs_handle *prev, *next; /* every open handle, freed at unmount */
	int fd;
	enum ffs_ctl ctl;
	bool writable;
	bool dirty; /* a control file was written: apply it at flush */
	bool refused; /* a bad rules line was written: nothing of it is applied */
	char *buf;
	size_t len, cap;
};

/* log.c: one line per fault and control event, to --log and to the ring
 * /.faultfs/log shows. */
void ffs_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes the log view (counts, then recent events) into a malloc'd string. */
char *ffs_log_render(size_t *len);
void ffs_log_close(void);

/* The daemon's state (main.c). */
struct ffs_state {
	int backing_fd;
	uint64_t seed;
	bool lazy;  /* hold writes until fsync; 'crash' drops them */
	bool cache; /* let the kernel cache data (faults then no longer map to calls) */
	FILE *log;
	struct ffs_rules rules;
	uint64_t crashes, syncs, faults;
};
extern struct ffs_state ffs_g;

/* ops.c */
struct fuse_operations;
extern const struct fuse_operations ffs_ops;

#endif
