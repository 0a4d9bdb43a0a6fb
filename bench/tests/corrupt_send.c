/*
 * corrupt_send.c - an LD_PRELOAD shim for bench.net_verify: every blocking
 * send (the threadpool server's; the load generator always passes
 * MSG_DONTWAIT) goes out with its bytes replaced by 'X', the same length,
 * so the only thing wrong is the content.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	ssize_t (*real)(int, const void *, size_t, int) = (ssize_t (*)(int, const void *, size_t, int))dlsym(RTLD_NEXT, "send");
	if (flags & MSG_DONTWAIT)
		return real(fd, buf, len, flags);
	char *junk = malloc(len ? len : 1);
	if (!junk)
		return real(fd, buf, len, flags);
	memset(junk, 'X', len);
	ssize_t r = real(fd, junk, len, flags);
	free(junk);
	return r;
}
