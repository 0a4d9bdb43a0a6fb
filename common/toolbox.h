/*
 * toolbox.h - the small pieces every urt tool (urt-bench, urt-faults,
 * urt-cp) needs and must do the same way: numbers and lists from a command
 * line, JSON strings, and publishing an output file atomically.  One home,
 * so the tools cannot drift apart again.
 *
 * Every function returns >= 0 or -errno and leaves errno alone.
 */
#ifndef URT_TOOLBOX_H
#define URT_TOOLBOX_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- numbers and lists ---- */

#define TB_SIZE 1u /* accept a k/m/g suffix (K/M/G too): powers of 1024 */

/* A decimal integer in [lo, hi], digits only (no sign, no space, no 0x),
 * with a k/m/g suffix when flags has TB_SIZE.  0 and *out set, -EINVAL
 * (empty, junk, a sign, a suffix not allowed or unknown) or -ERANGE
 * (overflow, or outside [lo, hi]); *out untouched on failure. */
int tb_parse_u64(const char *s, uint64_t lo, uint64_t hi, unsigned flags, uint64_t *out);
/* A finite decimal number in [lo, hi], nothing after it (no hex float, inf
 * or nan: -EINVAL).  0, -EINVAL or
 * -ERANGE as above. */
int tb_parse_double(const char *s, double lo, double hi, double *out);

/* A comma-separated list, split into a private copy (the argument itself,
 * often an argv string the reports quote, stays whole). */
struct tb_list {
	char *buf;
	char **item;
	unsigned n;
};
/* 0, -EINVAL for an empty list or an empty item ("a,,b", "a,", ""),
 * -E2BIG for more than max items, -ENOMEM.  Free with tb_list_free, also
 * after a failure. */
int tb_list_split(struct tb_list *l, const char *s, unsigned max);
void tb_list_free(struct tb_list *l);

/* ---- JSON ---- */

/* Writes s as a JSON string: '"' and '\' escaped, '\n' as \n, the other
 * control characters as \u00XX, valid UTF-8 copied through, and every byte
 * that is not part of valid UTF-8 (stray continuation bytes, overlong
 * forms, surrogates, code points above U+10FFFF, a cut-off sequence) as
 * \ufffd, so the output is always valid UTF-8 JSON.  NULL writes null. */
void tb_json_string(FILE *f, const char *s);

/* ---- the stop signals ---- */

/* SIGINT, SIGTERM and SIGHUP: the signals on which every tool cleans up
 * (removes its temporary files, stops its children) and ends. */
void tb_stop_set(sigset_t *set);
/* sigprocmask(how, the stop set, old): SIG_BLOCK holds them where a handler
 * must not run (old, when not NULL, keeps the mask to restore),
 * SIG_UNBLOCK lets them through again.  Async-signal-safe. */
void tb_stop_signals(int how, sigset_t *old);

/* ---- atomic publication of an output file ---- */

/* The one policy of every tool: the output is written under a temporary
 * name in its own directory (PATH.tmp.XXXXXX, so it is on the same file
 * system and a leftover is easy to spot; DIR/.urt.tmp.XXXXXX when PATH's
 * name is too long for the suffix to fit NAME_MAX) and given its name only when
 * complete, so a reader never sees half a file.  Without TB_REPLACE an
 * existing PATH is never replaced, even one that appeared during the run
 * (renameat2 RENAME_NOREPLACE, or link() where the file system lacks it):
 * -EEXIST.  With TB_REPLACE, rename() swaps the old file for the new one
 * atomically.  With TB_FSYNC the data is on disk before the name is, and
 * the directory is synced after. */
#define TB_REPLACE 1u
#define TB_FSYNC 2u

struct tb_publish {
	char tmp[4200];
	volatile sig_atomic_t exists; /* tmp names a file of ours */
	int fd;
};
/* Creates the temporary file beside path with mode (less the umask), open
 * for writing.  SIGINT, SIGTERM and SIGHUP are held meanwhile, so a handler
 * calling tb_publish_discard never sees a half-set name.  The fd, or
 * -errno (-ENAMETOOLONG when the name does not fit). */
int tb_publish_begin(struct tb_publish *p, const char *path, mode_t mode);
/* The fd wrapped in a FILE (fully buffered), or NULL with errno set and,
 * since nothing can be written then, the fd closed and the temporary file
 * removed (every caller did exactly that). */
FILE *tb_publish_fdopen(struct tb_publish *p);
/* Finishes: flushes f (when not NULL: it owns the fd and is closed here),
 * syncs with TB_FSYNC, closes, and gives the file path's name.  On any
 * failure the temporary file is removed.  0 or -errno (a failed write's
 * own, e.g. -ENOSPC, or -EIO when the stream kept none; -EEXIST as above). */
int tb_publish_commit(struct tb_publish *p, FILE *f, const char *path, unsigned flags);
/* Removes the temporary file if it exists; async-signal-safe, so a signal
 * handler may call it.  Does not close the fd. */
void tb_publish_discard(struct tb_publish *p);

/* Do paths a and b name one file, whether or not it exists yet: one string,
 * one inode, or one directory (by device and inode: ./x, dir/../x and x
 * agree) and one last component (tb_path.c).  "-" (standard output) is
 * the same file as "-" only, never as a path such as ./-. */
bool tb_same_file(const char *a, const char *b);

#endif
