/*
 * net_util.h - loopback TCP sockets for the socket tests, made with plain
 * system calls so that what is tested is only the urt call under test.
 */
#ifndef URT_TEST_NET_UTIL_H
#define URT_TEST_NET_UTIL_H

#include "check.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

/* A listening socket on 127.0.0.1 at a free port; *addr is where to connect. */
static inline int net_listen(struct sockaddr_in *addr, int backlog)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_EQ(bind(fd, (struct sockaddr *)addr, sizeof(*addr)), 0);
	socklen_t len = sizeof(*addr);
	CHECK_EQ(getsockname(fd, (struct sockaddr *)addr, &len), 0);
	CHECK_EQ(listen(fd, backlog), 0);
	return fd;
}

static inline int net_connect(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	CHECK_EQ(connect(fd, (const struct sockaddr *)addr, sizeof(*addr)), 0);
	return fd;
}

/* A connected TCP pair over loopback: sv[0] the client, sv[1] the server side. */
static inline void net_pair(int sv[2])
{
	struct sockaddr_in a;
	int l = net_listen(&a, 1);
	sv[0] = net_connect(&a);
	sv[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	CHECK(sv[1] >= 0);
	close(l);
}

/* Open fds of this process (to prove nothing leaked). */
static inline int net_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	CHECK(d != NULL);
	int n = 0;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

#endif
