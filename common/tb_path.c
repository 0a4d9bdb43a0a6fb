/*
 * tb_path.c - whether two output paths the user gave name one file, before
 * either exists.  Comparing the strings misses ./x against x; comparing
 * inodes works only once both files are there.
 */
#include "toolbox.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Splits path into its directory (into dir) and its last component. */
static const char *split(const char *path, char dir[PATH_MAX])
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		strcpy(dir, ".");
		return path;
	}
	size_t n = slash == path ? 1 : (size_t)(slash - path);
	memcpy(dir, path, n);
	dir[n] = '\0';
	return slash + 1;
}

bool tb_same_file(const char *a, const char *b)
{
	if (strcmp(a, b) == 0)
		return true;
	/* "-" is standard output to every tool here, never the file named
	 * "-" that ./- would be. */
	if (strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
		return false;
	struct stat sa, sb;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino; /* links, symlinks */
	if (strlen(a) >= PATH_MAX || strlen(b) >= PATH_MAX)
		return false; /* no such file can be created: opening it fails first */
	char da[PATH_MAX], db[PATH_MAX];
	const char *na = split(a, da), *nb = split(b, db);
	/* One directory, found by different routes (., dir/.., a symlink). */
	return strcmp(na, nb) == 0 && stat(da, &sa) == 0 && stat(db, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}
