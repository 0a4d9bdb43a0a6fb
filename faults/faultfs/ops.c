/*
 * ops.c - the filesystem: each operation asks decide.c first (fail, cut or
 * delay the call), then does the same operation on the backing directory
 * (through *at() calls on its fd, so the mount may hide it), or on the
 * held data with --lazy.  Paths under /.faultfs go to control.c.
 */
#include "faultfs.h"

#include <fuse.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

/* The path relative to the backing directory ("/" is "."). */
static const char *rel(const char *path)
{
	return path[1] ? path + 1 : ".";
}

static struct ffs_handle *handle(struct fuse_file_info *fi)
{
	return (struct ffs_handle *)(uintptr_t)fi->fh;
}

/* Asks the rules; a fault that fails the call gives its -errno. */
#define FAULT(op, path, len, d)                          \
	do {                                             \
		ffs_decide((op), (path), (len), (d));    \
		if ((d)->err)                            \
			return -(d)->err;                \
	} while (0)

/* Open handles.  A RELEASE may never come (the daemon is told to stop while
 * a program holds a file open): ffs_destroy frees what is left. */
static struct ffs_handle open_handles = { .prev = &open_handles, .next = &open_handles };

static void handle_free(struct ffs_handle *h)
{
	h->prev->next = h->next;
	h->next->prev = h->prev;
	if (h->fd >= 0)
		close(h->fd);
	free(h->buf);
	free(h);
}

static void ffs_destroy(void *data)
{
	while (open_handles.next != &open_handles)
		handle_free(open_handles.next);
}

static void *ffs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* Each read and write of the program reaches us as one call (up to the
	 * kernel's request size), so a fault lands on the call it names and a
	 * short read is not mistaken for end of file.  --cache gives that up. */
	cfg->direct_io = !ffs_g.cache;
	cfg->use_ino = 1;
	/* With --lazy the size the kernel caches may be stale after a crash. */
	cfg->attr_timeout = ffs_g.lazy ? 0 : 1;
	cfg->entry_timeout = ffs_g.lazy ? 0 : 1;
	cfg->negative_timeout = 0;
	return NULL;
}

static int ctl_getattr(enum ffs_ctl kind, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_ino = 0x7fff0000u + (unsigned)kind;
	if (kind == FFS_CTL_DIR) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | (kind == FFS_CTL_LOG ? 0444 : 0644);
		st->st_nlink = 1;
	}
	return 0;
}

static int ffs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	enum ffs_ctl kind = ffs_ctl_kind(path);
	if (kind != FFS_CTL_NONE)
		return ctl_getattr(kind, st);
	struct ffs_decision d;
	FAULT(FFS_GETATTR, path, 0, &d);
	int r = fi && handle(fi)->fd >= 0 ? fstat(handle(fi)->fd, st) : fstatat(ffs_g.backing_fd, rel(path), st, AT_SYMLINK_NOFOLLOW);
	if (r != 0)
		return -errno;
	if (ffs_g.lazy && S_ISREG(st->st_mode))
		st->st_size = ffs_lazy_size(st->st_dev, st->st_ino, st->st_size);
	return 0;
}

static int ffs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi,
		       enum fuse_readdir_flags flags)
{
	enum ffs_ctl kind = ffs_ctl_kind(path);
	if (kind == FFS_CTL_DIR) {
		fill(buf, ".", NULL, 0, 0);
		fill(buf, "..", NULL, 0, 0);
		fill(buf, "rules", NULL, 0, 0);
		fill(buf, "log", NULL, 0, 0);
		fill(buf, "ctl", NULL, 0, 0);
		return 0;
	}
	if (kind != FFS_CTL_NONE)
		return -ENOTDIR;
	struct ffs_decision d;
	FAULT(FFS_READDIR, path, 0, &d);
	int fd = openat(ffs_g.backing_fd, rel(path), O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -errno;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int err = -errno;
		close(fd);
		return err;
	}
	struct dirent *de;
	while ((de = readdir(dir))) {
		struct stat st = { .st_ino = de->d_ino, .st_mode = (mode_t)DTTOIF(de->d_type) };
		if (fill(buf, de->d_name, &st, 0, 0))
			break;
	}
	if (strcmp(path, "/") == 0)
		fill(buf, ".faultfs", NULL, 0, 0);
	closedir(dir);
	return 0;
}

static int ffs_mkdir(const char *path, mode_t mode)
{
	struct ffs_decision d;
	if (ffs_ctl_kind(path) != FFS_CTL_NONE)
		return -EEXIST;
	FAULT(FFS_MKDIR, path, 0, &d);
	return mkdirat(ffs_g.backing_fd, rel(path), mode) ? -errno : 0;
}

static int ffs_unlink(const char *path)
{
	struct ffs_decision d;
	if (ffs_ctl_kind(path) != FFS_CTL_NONE)
		return -EPERM;
	FAULT(FFS_UNLINK, path, 0, &d);
	return unlinkat(ffs_g.backing_fd, rel(path), 0) ? -errno : 0;
}

static int ffs_rmdir(const char *path)
{
	struct ffs_decision d;
	if (ffs_ctl_kind(path) != FFS_CTL_NONE)
		return -EPERM;
	FAULT(FFS_RMDIR, path, 0, &d);
	return unlinkat(ffs_g.backing_fd, rel(path), AT_REMOVEDIR) ? -errno : 0;
}

static int ffs_rename(const char *from, const char *to, unsigned int flags)
{
	struct ffs_decision d;
	if (ffs_ctl_kind(from) != FFS_CTL_NONE || ffs_ctl_kind(to) != FFS_CTL_NONE)
		return -EPERM;
	FAULT(FFS_RENAME, from, 0, &d);
	return renameat2(ffs_g.backing_fd, rel(from), ffs_g.backing_fd, rel(to), flags) ? -errno : 0;
}

static int ffs_symlink(const char *target, const char *path)
{
	return symlinkat(target, ffs_g.backing_fd, rel(path)) ? -errno : 0;
}

static int ffs_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = readlinkat(ffs_g.backing_fd, rel(path), buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int ffs_link(const char *from, const char *to)
{
	return linkat(ffs_g.backing_fd, rel(from), ffs_g.backing_fd, rel(to), 0) ? -errno : 0;
}

static int ffs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (ffs_ctl_kind(path) != FFS_CTL_NONE)
		return -EPERM;
	if (fi && handle(fi)->fd >= 0)
		return fchmod(handle(fi)->fd, mode) ? -errno : 0;
	return fchmodat(ffs_g.backing_fd, rel(path), mode, 0) ? -errno : 0;
}

static int ffs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	if (ffs_ctl_kind(path) != FFS_CTL_NONE)
		return -EPERM;
	if (fi && handle(fi)->fd >= 0)
		return fchown(handle(fi)->fd, uid, gid) ? -errno : 0;
	return fchownat(ffs_g.backing_fd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static int ffs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	if (ffs_ctl_kind(path) != FFS_CTL_NONE)
		return 0;
	if (fi && handle(fi)->fd >= 0)
		return futimens(handle(fi)->fd, tv) ? -errno : 0;
	return utimensat(ffs_g.backing_fd, rel(path), tv, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
}

static int ffs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	enum ffs_ctl kind = ffs_ctl_kind(path);
	if (kind != FFS_CTL_NONE)
		return kind == FFS_CTL_LOG ? -EACCES : 0; /* `> rules` opens with O_TRUNC */
	struct ffs_decision d;
	FAULT(FFS_TRUNCATE, path, 0, &d);
	int fd = fi && handle(fi)->fd >= 0 ? handle(fi)->fd : openat(ffs_g.backing_fd, rel(path), O_WRONLY);
	if (fd < 0)
		return -errno;
	int ret = ffs_g.lazy ? ffs_lazy_truncate(fd, size) : ftruncate(fd, size) ? -errno : 0;
	if (!(fi && handle(fi)->fd >= 0))
		close(fd);
	return ret;
}

static int open_file(const char *path, int flags, mode_t mode, struct fuse_file_info *fi)
{
	struct ffs_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	enum ffs_ctl kind = ffs_ctl_kind(path);
	int ret;
	if (kind != FFS_CTL_NONE) {
		ret = ffs_ctl_open(kind, flags, h);
		fi->direct_io = 1; /* their size is 0: reads must still reach us */
	} else {
		struct ffs_decision d;
		ffs_decide(FFS_OPEN, path, 0, &d);
		ret = d.err ? -d.err : 0;
		/* The kernel gives every write its offset, O_APPEND included; an
		 * O_APPEND backing fd would ignore it. */
		h->ctl = FFS_CTL_NONE;
		h->fd = -1;
		if (ret == 0 && (h->fd = openat(ffs_g.backing_fd, rel(path), flags & ~O_APPEND, mode)) < 0)
			ret = -errno;
		if (ret == 0 && ffs_g.lazy && (flags & O_TRUNC))
			ret = ffs_lazy_truncate(h->fd, 0); /* held data of the old contents goes too */
		if (ret < 0 && h->fd >= 0)
			close(h->fd);
	}
	if (ret < 0) {
		free(h->buf);
		free(h);
		return ret;
	}
	h->next = open_handles.next;
	h->prev = &open_handles;
	h->next->prev = h;
	open_handles.next = h;
	fi->fh = (uintptr_t)h;
	return 0;
}

static int ffs_open(const char *path, struct fuse_file_info *fi)
{
	return open_file(path, fi->flags, 0, fi);
}

static int ffs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	if (ffs_ctl_kind(path) != FFS_CTL_NONE)
		return -EPERM;
	return open_file(path, fi->flags | O_CREAT, mode, fi);
}

static int ffs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ffs_handle *h = handle(fi);
	if (h->ctl != FFS_CTL_NONE)
		return ffs_ctl_read(h, buf, size, off);
	struct ffs_decision d;
	FAULT(FFS_READ, path, size, &d);
	size = d.keep;
	ssize_t n = ffs_g.lazy ? ffs_lazy_read(h->fd, buf, size, off) : pread(h->fd, buf, size, off);
	return n < 0 ? (ffs_g.lazy ? (int)n : -errno) : (int)n;
}

static int ffs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct ffs_handle *h = handle(fi);
	if (h->ctl != FFS_CTL_NONE)
		return ffs_ctl_write(h, buf, size, off);
	struct ffs_decision d;
	FAULT(FFS_WRITE, path, size, &d);
	size = d.keep;
	if (ffs_g.lazy)
		return ffs_lazy_write(h->fd, buf, size, off);
	ssize_t n = pwrite(h->fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int ffs_flush(const char *path, struct fuse_file_info *fi)
{
	struct ffs_handle *h = handle(fi);
	if (h->ctl != FFS_CTL_NONE)
		return ffs_ctl_flush(h);
	struct ffs_decision d;
	FAULT(FFS_FLUSH, path, 0, &d);
	return 0;
}

static int ffs_release(const char *path, struct fuse_file_info *fi)
{
	struct ffs_handle *h = handle(fi);
	if (h->ctl != FFS_CTL_NONE)
		ffs_ctl_release(h);
	handle_free(h);
	return 0;
}

static int ffs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	struct ffs_handle *h = handle(fi);
	if (h->ctl != FFS_CTL_NONE)
		return 0;
	struct ffs_decision d;
	FAULT(FFS_FSYNC, path, 0, &d);
	if (ffs_g.lazy) {
		int ret = ffs_lazy_sync_fd(h->fd);
		if (ret < 0)
			return ret;
	}
	return (datasync ? fdatasync(h->fd) : fsync(h->fd)) ? -errno : 0;
}

static int ffs_statfs(const char *path, struct statvfs *st)
{
	return fstatvfs(ffs_g.backing_fd, st) ? -errno : 0;
}

const struct fuse_operations ffs_ops = {
	.init = ffs_init,
	.destroy = ffs_destroy,
	.getattr = ffs_getattr,
	.readdir = ffs_readdir,
	.mkdir = ffs_mkdir,
	.unlink = ffs_unlink,
	.rmdir = ffs_rmdir,
	.rename = ffs_rename,
	.symlink = ffs_symlink,
	.readlink = ffs_readlink,
	.link = ffs_link,
	.chmod = ffs_chmod,
	.chown = ffs_chown,
	.utimens = ffs_utimens,
	.truncate = ffs_truncate,
	.open = ffs_open,
	.create = ffs_create,
	.read = ffs_read,
	.write = ffs_write,
	.flush = ffs_flush,
	.release = ffs_release,
	.fsync = ffs_fsync,
	.statfs = ffs_statfs,
};
