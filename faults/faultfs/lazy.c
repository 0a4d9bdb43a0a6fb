/*
 * lazy.c - with --lazy, written data is held here, not in the backing file,
 * until the program syncs that file (fsync or fdatasync) or `sync` is
 * written to /.faultfs/ctl.  `crash` drops all of it: the backing
 * directory then holds exactly what a machine that lost power would, if
 * its disk kept only synced data.
 *
 * Held data is a list of extents per inode, newest last; a read lays them
 * over the backing file's bytes in order.  Each file keeps a dup of the
 * first fd written through, so it can be synced after the program closed
 * it (close is not a sync point) and its inode cannot be reused meanwhile.
 * Metadata (create, unlink, rename, a shrinking truncate) reaches the
 * backing store at once: only file data and growth are lazy.
 */
#include "faultfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct extent {
	struct extent *next;
	uint64_t off, len;
	char data[];
};

struct held {
	struct held *next;
	dev_t dev;
	ino_t ino;
	int fd;
	struct extent *head, *tail;
	uint64_t end; /* past the last held byte */
	uint64_t bytes;
};

static struct held *files;

static struct held *find(dev_t dev, ino_t ino, struct held ***link)
{
	for (struct held **p = &files; *p; p = &(*p)->next)
		if ((*p)->dev == dev && (*p)->ino == ino) {
			if (link)
				*link = p;
			return *p;
		}
	return NULL;
}

static void drop_extents(struct held *h)
{
	for (struct extent *e = h->head, *next; e; e = next) {
		next = e->next;
		free(e);
	}
	h->head = h->tail = NULL;
	h->bytes = h->end = 0;
}

static void forget(struct held **link)
{
	struct held *h = *link;
	*link = h->next;
	drop_extents(h);
	close(h->fd);
	free(h);
}

/* The held state of fd's file, created when asked; NULL with *err set. */
static struct held *get(int fd, const struct stat *st, int *err)
{
	struct held *h = find(st->st_dev, st->st_ino, NULL);
	if (h)
		return h;
	if (!(h = calloc(1, sizeof(*h)))) {
		*err = -ENOMEM;
		return NULL;
	}
	if ((h->fd = dup(fd)) < 0) {
		*err = -errno;
		free(h);
		return NULL;
	}
	h->dev = st->st_dev;
	h->ino = st->st_ino;
	h->next = files;
	files = h;
	return h;
}

int ffs_lazy_write(int fd, const char *buf, size_t len, off_t off)
{
	struct stat st;
	int err = 0;
	if (fstat(fd, &st) != 0)
		return -errno;
	struct held *h = get(fd, &st, &err);
	if (!h)
		return err;
	struct extent *e = malloc(sizeof(*e) + len);
	if (!e)
		return -ENOMEM;
	*e = (struct extent){ .off = (uint64_t)off, .len = len };
	memcpy(e->data, buf, len);
	/* Older extents this one hides entirely are dead weight: free them. */
	struct extent **p = &h->head, *last = NULL;
	while (*p) {
		struct extent *o = *p;
		if (o->off >= e->off && o->off + o->len <= e->off + e->len) {
			*p = o->next;
			h->bytes -= o->len;
			free(o);
		} else {
			last = o;
			p = &o->next;
		}
	}
	h->tail = last;
	if (h->tail)
		h->tail->next = e;
	else
		h->head = e;
	h->tail = e;
	h->bytes += len;
	if (e->off + len > h->end)
		h->end = e->off + len;
	return (int)len;
}

ssize_t ffs_lazy_read(int fd, char *buf, size_t len, off_t off)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	struct held *h = find(st.st_dev, st.st_ino, NULL);
	uint64_t size = (uint64_t)st.st_size;
	if (h && h->end > size)
		size = h->end;
	if ((uint64_t)off >= size)
		return 0;
	if (len > size - (uint64_t)off)
		len = (size_t)(size - (uint64_t)off);
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, off + (off_t)got);
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	memset(buf + got, 0, len - got); /* past the backing end, before a held extent: a hole */
	for (struct extent *e = h ? h->head : NULL; e; e = e->next) {
		uint64_t lo = e->off > (uint64_t)off ? e->off : (uint64_t)off;
		uint64_t hi = e->off + e->len < (uint64_t)off + len ? e->off + e->len : (uint64_t)off + len;
		if (lo < hi)
			memcpy(buf + (lo - (uint64_t)off), e->data + (lo - e->off), hi - lo);
	}
	return (ssize_t)len;
}

/* Writes a file's held extents, oldest first, and forgets them. */
static int flush(struct held **link)
{
	struct held *h = *link;
	for (struct extent *e = h->head; e; e = e->next)
		for (uint64_t done = 0; done < e->len;) {
			ssize_t w = pwrite(h->fd, e->data + done, e->len - done, (off_t)(e->off + done));
			if (w < 0)
				return -errno; /* kept: a later sync may succeed */
			done += (uint64_t)w;
		}
	/* A size set by an extending truncate is held too (see ffs_lazy_truncate). */
	struct stat st;
	if (fstat(h->fd, &st) != 0)
		return -errno;
	if ((uint64_t)st.st_size < h->end && ftruncate(h->fd, (off_t)h->end) != 0)
		return -errno;
	int ret = fdatasync(h->fd) != 0 ? -errno : 0;
	if (ret == 0)
		forget(link);
	return ret;
}

int ffs_lazy_sync_fd(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	struct held **link;
	return find(st.st_dev, st.st_ino, &link) ? flush(link) : 0;
}

int ffs_lazy_sync_all(void)
{
	int ret = 0;
	for (struct held **p = &files; *p;) {
		struct held *h = *p;
		int r = flush(p);
		if (r < 0) {
			ret = r;
			p = &h->next;
		}
	}
	return ret;
}

uint64_t ffs_lazy_crash(void)
{
	uint64_t bytes = 0;
	while (files) {
		bytes += files->bytes;
		forget(&files);
	}
	return bytes;
}

off_t ffs_lazy_size(dev_t dev, ino_t ino, off_t backing_size)
{
	struct held *h = find(dev, ino, NULL);
	return h && (off_t)h->end > backing_size ? (off_t)h->end : backing_size;
}

int ffs_lazy_truncate(int fd, off_t size)
{
	struct stat st;
	int err = 0;
	if (fstat(fd, &st) != 0)
		return -errno;
	/* Shrinking reaches the backing file at once (metadata); growing is held
	 * like data: a crash must not leave a file longer than what was synced
	 * (the kernel grows a file back to its cached size after an extending
	 * write fails, and that size counts unsynced data). */
	if (size < st.st_size && ftruncate(fd, size) != 0)
		return -errno;
	struct held *h = size > st.st_size ? get(fd, &st, &err) : find(st.st_dev, st.st_ino, NULL);
	if (err)
		return err;
	if (!h)
		return 0;
	uint64_t s = (uint64_t)size;
	h->end = 0;
	h->tail = NULL;
	for (struct extent **p = &h->head; *p;) {
		struct extent *e = *p;
		if (e->off >= s) {
			*p = e->next;
			h->bytes -= e->len;
			free(e);
			continue;
		}
		if (e->off + e->len > s) {
			h->bytes -= e->off + e->len - s;
			e->len = s - e->off;
		}
		if (e->off + e->len > h->end)
			h->end = e->off + e->len;
		h->tail = e;
		p = &e->next;
	}
	if (size > st.st_size)
		h->end = s;
	return 0;
}

void ffs_lazy_stats(uint64_t *nfiles, uint64_t *bytes)
{
	*nfiles = *bytes = 0;
	for (struct held *h = files; h; h = h->next) {
		(*nfiles)++;
		*bytes += h->bytes;
	}
}
