/*
 * raise_at.c - an LD_PRELOAD shim for bench.report_signal: raises SIGINT at
 * a fixed point of the report writing, so "a stop while the report is
 * written" and "a stop right after it is published" are each reproduced
 * exactly.  URT_RAISE_AT=fdopen raises it when the report's temporary file
 * is wrapped (before any byte is written); =rename right after the file got
 * its name.  Only while SIGINT is held: that is the report-writing section,
 * so nothing earlier in the run is disturbed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void maybe_raise(const char *where)
{
	const char *at = getenv("URT_RAISE_AT");
	sigset_t cur;
	if (at && strcmp(at, where) == 0 && sigprocmask(SIG_BLOCK, NULL, &cur) == 0 && sigismember(&cur, SIGINT) == 1)
		raise(SIGINT);
}

FILE *fdopen(int fd, const char *mode)
{
	FILE *(*real)(int, const char *) = (FILE * (*)(int, const char *)) dlsym(RTLD_NEXT, "fdopen");
	FILE *f = real(fd, mode);
	maybe_raise("fdopen");
	return f;
}

int renameat2(int olddirfd, const char *oldpath, int newdirfd, const char *newpath, unsigned int flags)
{
	int (*real)(int, const char *, int, const char *, unsigned int) =
		(int (*)(int, const char *, int, const char *, unsigned int))dlsym(RTLD_NEXT, "renameat2");
	int ret = real(olddirfd, oldpath, newdirfd, newpath, flags);
	maybe_raise("rename");
	return ret;
}

int rename(const char *oldpath, const char *newpath)
{
	int (*real)(const char *, const char *) = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	int ret = real(oldpath, newpath);
	maybe_raise("rename");
	return ret;
}
