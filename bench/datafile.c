/*
 * datafile.c - creating, warming and removing the workload's data file.
 */
#define _GNU_SOURCE
#include "datafile.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (1u << 20)

int datafile_scratch(struct datafile *df)
{
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	snprintf(df->dir, sizeof(df->dir), "%s/urt-bench.XXXXXX", tmp);
	if (!mkdtemp(df->dir)) {
		int err = errno;
		fprintf(stderr, "urt-bench: cannot create a scratch directory in %s: %s\n", tmp, strerror(err));
		df->dir[0] = '\0';
		return -err;
	}
	df->dir_created = true;
	return 0;
}

static int fill(int fd, uint64_t size, uint64_t seed)
{
	char *buf = malloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	int ret = 0;
	for (uint64_t off = 0; off < size && ret == 0;) {
		size_t len = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		wd_pattern_fill(buf, len, off, seed);
		ssize_t n = pwrite(fd, buf, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			ret = n < 0 ? -errno : -EIO;
		else
			off += (uint64_t)n;
	}
	free(buf);
	return ret;
}

/* One sequential pass so a cached run starts with the file in memory. */
static int warm(int fd, uint64_t size)
{
	char *buf = malloc(CHUNK);
	if (!buf)
		return -ENOMEM;
	int ret = 0;
	for (uint64_t off = 0; off < size;) {
		ssize_t n = pread(fd, buf, CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (n == 0)
			break;
		off += (uint64_t)n;
	}
	free(buf);
	return ret;
}

int datafile_prepare(struct datafile *df, const char *path, bool existing, uint64_t size, uint64_t seed,
		     bool direct)
{
	df->size = size;
	if (path)
		snprintf(df->path, sizeof(df->path), "%s", path);
	else
		snprintf(df->path, sizeof(df->path), "%s/data", df->dir);
	int ret;
	if (existing) {
		int fd = open(df->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ret = -errno;
			fprintf(stderr, "urt-bench: cannot read %s: %s\n", df->path, strerror(-ret));
			return ret;
		}
		ret = direct ? 0 : warm(fd, size);
		close(fd);
		if (ret < 0)
			fprintf(stderr, "urt-bench: reading %s: %s\n", df->path, strerror(-ret));
		return ret;
	}
	int fd = open(df->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		fprintf(stderr, "urt-bench: cannot create %s: %s\n", df->path, strerror(-ret));
		return ret;
	}
	df->created = true;
	ret = fill(fd, size, seed);
	/* Direct runs must not find the data only in dirty page-cache pages. */
	if (ret == 0 && direct && fdatasync(fd) < 0)
		ret = -errno;
	close(fd);
	if (ret < 0)
		fprintf(stderr, "urt-bench: writing %s: %s\n", df->path, strerror(-ret));
	return ret;
}

int datafile_open(const struct datafile *df, bool write, bool direct)
{
	int flags = (write && df->created ? O_RDWR : O_RDONLY) | O_CLOEXEC | (direct ? O_DIRECT : 0);
	int fd = open(df->path, flags);
	return fd < 0 ? -errno : fd;
}

void datafile_cleanup(struct datafile *df)
{
	if (df->created) {
		unlink(df->path);
		df->created = false;
	}
	if (df->dir_created) {
		rmdir(df->dir);
		df->dir_created = false;
	}
}
