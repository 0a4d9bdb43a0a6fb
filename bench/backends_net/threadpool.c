/*
 * backends_net/threadpool.c - a thread per connection with blocking
 * sockets: the classic design, cheap to write, one stack and one context
 * switch per wake-up per connection.  --threads and --batch do not apply.
 */
#define _GNU_SOURCE
#include "net.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>

struct conn_thread {
	pthread_t thread;
	struct net_server *s;
	pthread_mutex_t *lock; /* serialises net_fail between connection threads */
	int fd;
	char *buf;
};

static void fail_locked(struct conn_thread *t, int err, const char *what)
{
	pthread_mutex_lock(t->lock);
	net_fail(t->s, err, what);
	pthread_mutex_unlock(t->lock);
}

static void *conn_main(void *arg)
{
	struct conn_thread *t = arg;
	const struct net_job *job = t->s->job;
	struct net_conn_proto proto = { 0 };
	for (;;) {
		ssize_t n = recv(t->fd, t->buf, job->bufsize, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!net_peer_gone(n < 0 ? -errno : 0))
				fail_locked(t, -errno, "recv");
			return NULL;
		}
		const char *out;
		size_t len = net_reply(job, &proto, t->buf, (size_t)n, &out);
		while (len) {
			ssize_t m = send(t->fd, out, len, MSG_NOSIGNAL);
			if (m < 0) {
				if (errno == EINTR)
					continue;
				if (!net_peer_gone(-errno))
					fail_locked(t, -errno, "send");
				return NULL;
			}
			out += m;
			len -= (size_t)m;
		}
	}
}

static void serve(struct net_server *s)
{
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct conn_thread *ts = calloc(s->n_fds, sizeof(*ts));
	char *bufs = malloc(s->n_fds * s->job->bufsize);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	/* Small stacks: hundreds of connections, hundreds of threads. */
	pthread_attr_setstacksize(&attr, 64 * 1024);
	unsigned started = 0;
	if (!ts || !bufs) {
		net_fail(s, -ENOMEM, "buffers");
	} else {
		for (; started < s->n_fds; started++) {
			struct conn_thread *t = &ts[started];
			*t = (struct conn_thread){ .s = s, .lock = &lock, .fd = s->fds[started],
						   .buf = bufs + started * s->job->bufsize };
			int ret = pthread_create(&t->thread, &attr, conn_main, t);
			if (ret) {
				fail_locked(t, -ret, "pthread_create");
				/* Connections without a thread would never answer:
				 * end them so the client stops at once. */
				for (unsigned i = started; i < s->n_fds; i++)
					shutdown(s->fds[i], SHUT_RDWR);
				break;
			}
		}
	}
	for (unsigned i = 0; i < started; i++)
		pthread_join(ts[i].thread, NULL);
	pthread_attr_destroy(&attr);
	free(ts);
	free(bufs);
}

static const struct net_backend net_backend_threadpool = {
	.name = "threadpool",
	.rank = 60,
	.applies = 0,
	.serve = serve,
};
NET_BACKEND(net_backend_threadpool)
