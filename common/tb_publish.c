/*
 * tb_publish.c - an output file appears whole or not at all, and without
 * TB_REPLACE never over an existing one (the policy is in toolbox.h).
 */
#define _GNU_SOURCE /* renameat2, mkostemp */
#include "toolbox.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void tb_stop_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
}

void tb_stop_signals(int how, sigset_t *old)
{
	sigset_t set;
	tb_stop_set(&set);
	sigprocmask(how, &set, old);
}

int tb_publish_begin(struct tb_publish *p, const char *path, mode_t mode)
{
	p->exists = 0;
	p->fd = -1;
	/* PATH.tmp.XXXXXX, unless PATH's last component is too long for that
	 * to be a valid name (NAME_MAX, 255 on every Linux file system): then
	 * a short hidden name in the same directory, DIR/.urt.tmp.XXXXXX. */
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int n;
	if (strlen(base) > NAME_MAX)
		return -ENAMETOOLONG; /* no file can have that name */
	if (strlen(base) + sizeof(".tmp.XXXXXX") - 1 <= NAME_MAX)
		n = snprintf(p->tmp, sizeof(p->tmp), "%s.tmp.XXXXXX", path);
	else
		n = snprintf(p->tmp, sizeof(p->tmp), "%.*s.urt.tmp.XXXXXX", (int)(base - path), path);
	if (n < 0 || (size_t)n >= sizeof(p->tmp))
		return -ENAMETOOLONG;
	int saved = errno;
	sigset_t old;
	tb_stop_signals(SIG_BLOCK, &old); /* a handler calls tb_publish_discard */
	int fd = mkostemp(p->tmp, O_CLOEXEC);
	int err = fd < 0 ? -errno : 0;
	if (fd >= 0)
		p->exists = 1;
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (fd < 0) {
		errno = saved;
		return err;
	}
	/* mkostemp makes it 0600; give it what open(O_CREAT) would have.
	 * umask() is the only way to read the mask: set it back at once. */
	mode_t mask = umask(0);
	umask(mask);
	if (fchmod(fd, mode & ~mask & 07777) < 0) {
		err = -errno;
		close(fd);
		tb_publish_discard(p);
		errno = saved;
		return err;
	}
	errno = saved;
	return p->fd = fd;
}

FILE *tb_publish_fdopen(struct tb_publish *p)
{
	FILE *f = fdopen(p->fd, "w");
	if (!f) {
		int err = errno;
		close(p->fd);
		p->fd = -1;
		tb_publish_discard(p);
		errno = err;
	}
	return f;
}

static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[4200];
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int ret = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return ret;
}

int tb_publish_commit(struct tb_publish *p, FILE *f, const char *path, unsigned flags)
{
	int saved = errno;
	int ret = 0;
	/* The flush first: it retries what a failed buffered write kept and
	 * gives its errno (ENOSPC, EDQUOT...); an error flag left without one
	 * is -EIO. */
	errno = 0;
	if (f && fflush(f) != 0)
		ret = errno ? -errno : -EIO;
	else if (f && ferror(f))
		ret = -EIO;
	if (!ret && (flags & TB_FSYNC) && fsync(p->fd) < 0)
		ret = -errno;
	errno = 0;
	if ((f ? fclose(f) : close(p->fd)) != 0 && !ret)
		ret = errno ? -errno : -EIO;
	p->fd = -1;
	sigset_t old;
	tb_stop_signals(SIG_BLOCK, &old);
	if (!ret && (flags & TB_REPLACE)) {
		if (rename(p->tmp, path) < 0)
			ret = -errno;
		else
			p->exists = 0;
	} else if (!ret) {
		if (renameat2(AT_FDCWD, p->tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0) {
			p->exists = 0;
		} else {
			ret = -errno;
			/* No RENAME_NOREPLACE on this file system: link() refuses
			 * an existing name just as atomically. */
			if (ret == -EINVAL || ret == -ENOSYS)
				ret = link(p->tmp, path) < 0 ? -errno : 0;
		}
	}
	tb_publish_discard(p); /* after a failure, or the second name after link() */
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (!ret && (flags & TB_FSYNC))
		ret = sync_dir(path);
	errno = saved;
	return ret;
}

void tb_publish_discard(struct tb_publish *p)
{
	int saved = errno;
	if (p->exists)
		unlink(p->tmp);
	p->exists = 0;
	errno = saved;
}
