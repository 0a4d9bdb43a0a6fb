/*
 * control.c - /.faultfs inside the mount, the way to steer a running
 * daemon with nothing but file I/O:
 *   rules  read: the rules in force; write: new rules, applied at the
 *          last close (a bad line fails the write, or close, with EINVAL,
 *          and nothing of that text is applied)
 *   log    read: counts per rule, then the recent events (log.c)
 *   ctl    write commands, one per line: crash, sync, clear, mark TEXT
 */
#include "faultfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

enum ffs_ctl ffs_ctl_kind(const char *path)
{
	if (strncmp(path, "/.faultfs", 9) != 0)
		return FFS_CTL_NONE;
	const char *rest = path + 9;
	if (!*rest)
		return FFS_CTL_DIR;
	if (strcmp(rest, "/rules") == 0)
		return FFS_CTL_RULES;
	if (strcmp(rest, "/log") == 0)
		return FFS_CTL_LOG;
	if (strcmp(rest, "/ctl") == 0)
		return FFS_CTL_CMD;
	return FFS_CTL_NONE;
}

int ffs_set_rules(const char *text, const char *source)
{
	struct ffs_rules r;
	char err[256];
	if (ffs_rules_parse(text, &r, err, sizeof(err)) < 0) {
		ffs_log("rules from %s refused: %s", source, err);
		return -EINVAL;
	}
	ffs_rules_free(&ffs_g.rules);
	ffs_g.rules = r;
	ffs_log("rules from %s: %zu rule(s)", source, r.n);
	for (size_t i = 0; i < r.n; i++)
		ffs_log("rule %zu: %s", i, r.v[i].text);
	return 0;
}

static int append(struct ffs_handle *h, const char *buf, size_t size)
{
	if (h->len + size + 1 > h->cap) {
		size_t cap = 2 * (h->len + size + 1);
		if (cap > (1u << 20))
			return -EFBIG; /* a megabyte of rules is a runaway writer */
		char *b = realloc(h->buf, cap);
		if (!b)
			return -ENOMEM;
		h->buf = b;
		h->cap = cap;
	}
	memcpy(h->buf + h->len, buf, size);
	h->len += size;
	h->buf[h->len] = '\0';
	return 0;
}

int ffs_ctl_open(enum ffs_ctl kind, int flags, struct ffs_handle *h)
{
	h->fd = -1;
	h->ctl = kind;
	h->writable = (flags & O_ACCMODE) != O_RDONLY;
	if (kind == FFS_CTL_DIR)
		return -EISDIR;
	if (h->writable && kind == FFS_CTL_LOG)
		return -EACCES;
	if (h->writable) {
		/* Opening the rules for writing means replacing them, even with nothing. */
		h->dirty = kind == FFS_CTL_RULES;
		return append(h, "", 0);
	}
	if (kind == FFS_CTL_LOG) {
		if (!(h->buf = ffs_log_render(&h->len)))
			return -ENOMEM;
		return 0;
	}
	int ret = append(h, "", 0);
	for (size_t i = 0; ret == 0 && kind == FFS_CTL_RULES && i < ffs_g.rules.n; i++)
		if ((ret = append(h, ffs_g.rules.v[i].text, strlen(ffs_g.rules.v[i].text))) == 0)
			ret = append(h, "\n", 1);
	return ret;
}

int ffs_ctl_read(struct ffs_handle *h, char *buf, size_t size, off_t off)
{
	if (h->writable)
		return -EBADF;
	if ((size_t)off >= h->len)
		return 0;
	size_t n = h->len - (size_t)off < size ? h->len - (size_t)off : size;
	memcpy(buf, h->buf + off, n);
	return (int)n;
}

/* One ctl command line. */
static int command(char *line)
{
	line += strspn(line, " \t");
	size_t n = strlen(line);
	while (n && strchr(" \t\r", line[n - 1]))
		line[--n] = '\0';
	if (n == 0)
		return 0;
	if (strcmp(line, "crash") == 0) {
		uint64_t bytes = ffs_lazy_crash();
		ffs_g.crashes++;
		ffs_log("crash: %llu unsynced byte(s) dropped", (unsigned long long)bytes);
		return 0;
	}
	if (strcmp(line, "sync") == 0) {
		int ret = ffs_lazy_sync_all();
		ffs_g.syncs++;
		ffs_log("sync: %s", ret < 0 ? strerror(-ret) : "all held data written");
		return ret;
	}
	if (strcmp(line, "clear") == 0)
		return ffs_set_rules("", "ctl clear");
	if (strncmp(line, "mark ", 5) == 0) {
		ffs_log("mark %s", line + 5);
		return 0;
	}
	ffs_log("ctl: unknown command '%.60s'", line);
	return -EINVAL;
}

/* Runs the complete lines written so far; keeps a partial last line. */
static int run_commands(struct ffs_handle *h, bool all)
{
	int ret = 0;
	char *start = h->buf, *nl;
	while ((nl = strchr(start, '\n')) || (all && *start)) {
		if (nl)
			*nl = '\0';
		int r = command(start);
		if (r < 0 && ret == 0)
			ret = r;
		start = nl ? nl + 1 : start + strlen(start);
	}
	h->len -= (size_t)(start - h->buf);
	memmove(h->buf, start, h->len + 1);
	return ret;
}

int ffs_ctl_write(struct ffs_handle *h, const char *buf, size_t size, off_t off)
{
	if (!h->writable)
		return -EBADF;
	int ret = append(h, buf, size);
	if (ret < 0)
		return ret;
	if (h->ctl == FFS_CTL_CMD) {
		ret = run_commands(h, false);
		return ret < 0 ? ret : (int)size;
	}
	/* Rules: refuse the write that completes a bad line, so `echo` says so. */
	h->dirty = true;
	char *nl = strrchr(h->buf, '\n');
	if (nl) {
		char saved = nl[1];
		nl[1] = '\0';
		struct ffs_rules r;
		char err[256];
		ret = ffs_rules_parse(h->buf, &r, err, sizeof(err));
		nl[1] = saved;
		if (ret < 0) {
			ffs_log("rules write refused: %s", err);
			h->refused = true; /* the close must not apply a truncated text either */
			return -EINVAL;
		}
		ffs_rules_free(&r);
	}
	return (int)size;
}

/* close(2) of any copy of the fd (a shell's `>` dups and closes one before
 * writing): a bad rules text fails it, but rules apply only at release. */
int ffs_ctl_flush(struct ffs_handle *h)
{
	if (!h->writable)
		return 0;
	if (h->ctl == FFS_CTL_CMD)
		return run_commands(h, true);
	if (h->refused)
		return -EINVAL;
	if (!h->dirty)
		return 0;
	struct ffs_rules r;
	char err[256];
	if (ffs_rules_parse(h->buf, &r, err, sizeof(err)) < 0) {
		ffs_log("rules refused at close: %s", err);
		h->refused = true;
		return -EINVAL;
	}
	ffs_rules_free(&r);
	return 0;
}

/* The last close: the written rules take effect. */
void ffs_ctl_release(struct ffs_handle *h)
{
	if (h->ctl == FFS_CTL_RULES && h->writable && h->dirty && !h->refused)
		ffs_set_rules(h->buf, "/.faultfs/rules");
}
