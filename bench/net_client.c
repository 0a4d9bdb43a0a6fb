/*
 * net_client.c - the one load generator every network server backend is
 * measured with: a single thread, non-blocking sockets, level-triggered
 * epoll, TCP_NODELAY.  Closed loop: each connection sends its next message
 * as soon as one completes (qd in flight; echo has 1).  Open loop (--rate):
 * connection i sends on its own schedule, t0 + (i + k * conns) / rate, the
 * connections staggered so the offered load is even; a send that cannot
 * leave on time (the connection already has qd messages unanswered) leaves
 * as soon as it can, and its latency still counts from the intended time,
 * as wrk2 does, so a stalled server is not hidden by a client that slowed
 * down with it (coordinated omission).
 *
 * Every echoed byte is checked against what was sent (and every stream
 * acknowledgement byte): a wrong byte fails the configuration.
 *
 * Every message is timed (two clock reads, ~90 ns here, against round trips
 * of several microseconds).  Messages that complete inside the timed window
 * (see phase_at) are counted; the window's length is measured.
 */
#define _GNU_SOURCE
#include "net.h"
#include "bench.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct client_conn {
	int fd;
	unsigned inflight;    /* messages sent (at least partly) and not yet answered */
	uint64_t out_left;    /* bytes of the message being sent still to go; 0 = none */
	uint64_t in_have;     /* bytes of the oldest answer received so far */
	uint64_t tx_seq;      /* messages started on this connection */
	uint64_t rx_seq;      /* messages answered on this connection */
	double next_due;      /* open loop: intended send time of the next message (ns) */
	uint64_t *t_sent;     /* ring of qd send times (intended, for the open loop) */
	unsigned head;        /* the oldest unanswered message's slot */
	bool want_out;        /* EPOLLOUT armed */
};

static void cpu_of(int who, double *user, double *sys)
{
	struct rusage ru;
	getrusage(who, &ru);
	*user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

struct client {
	const struct net_job *job;
	struct client_conn *c;
	int ep;
	char *out_buf, *in_buf; /* out_buf: the pattern, bs + PAT_PERIOD bytes */
	size_t in_size;
	uint64_t reply_size;  /* bytes that answer one message */
	uint64_t t_warm_end, t_end;
	int phase;            /* 0 warm-up, 1 timed, 2 done */
	uint64_t t_open, t_close;
	struct net_client_result *r;
	double u0, s0, su0, ss0;
};

/* The window starts at the warm-up's end itself, not when the client
 * noticed it: every completion since then is counted (the window opens
 * right before the first one is), so a stalled client or server cannot
 * make a window of zero length.  The CPU snapshots are taken now. */
static void open_window(struct client *cl, uint64_t now)
{
	(void)now;
	cl->phase = 1;
	cl->t_open = cl->t_warm_end;
	cpu_of(RUSAGE_THREAD, &cl->u0, &cl->s0);
	cpu_of(RUSAGE_SELF, &cl->su0, &cl->ss0);
}

static void close_window(struct client *cl, uint64_t now)
{
	double u, s, su, ss;
	cpu_of(RUSAGE_THREAD, &u, &s);
	cpu_of(RUSAGE_SELF, &su, &ss);
	cl->phase = 2;
	cl->t_close = now;
	cl->r->user_s = u - cl->u0;
	cl->r->sys_s = s - cl->s0;
	cl->r->self_user_s = su - cl->su0;
	cl->r->self_sys_s = ss - cl->ss0;
}

/* The window opens at the warm-up's end and closes at the first completion
 * after its end (counted), as the file workloads' does: so it always holds
 * a completion, also when a loaded machine stalls the server for longer
 * than the window.  A server that answers nothing for STALL_NS past the end
 * closes it without one (the job then fails: no message completed). */
#define STALL_NS 5000000000ull

static void phase_at(struct client *cl, uint64_t now, bool completion)
{
	if (cl->phase == 0 && now >= cl->t_warm_end)
		open_window(cl, now);
	if (cl->phase == 1 && ((completion && now >= cl->t_end) || now >= cl->t_end + STALL_NS))
		close_window(cl, now);
}

/* Echo messages are checked byte for byte when they come back: message m
 * of connection i is out_buf + pat_off(i, m), a window on a pattern that
 * repeats every PAT_PERIOD bytes (a prime, so a message and the next one,
 * and two connections, differ in every byte), so a server that sends back
 * stale, foreign or garbled bytes fails the configuration. */
#define PAT_PERIOD 251u

static size_t pat_off(const struct client *cl, const struct client_conn *c, uint64_t seq)
{
	uint64_t i = (uint64_t)(c - cl->c);
	return (size_t)((i * 17u + seq) % PAT_PERIOD);
}

static int fail(struct client *cl, int err, const char *what)
{
	if (!cl->r->err) {
		cl->r->err = err;
		snprintf(cl->r->errmsg, sizeof(cl->r->errmsg), "client: %s: %s", what, strerror(-err));
	}
	return err;
}

static int set_out_interest(struct client *cl, struct client_conn *c, bool on)
{
	if (c->want_out == on)
		return 0;
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c };
	if (epoll_ctl(cl->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		return fail(cl, -errno, "epoll_ctl");
	c->want_out = on;
	return 0;
}

/* Pushes the message being sent; 0, or -errno on a real failure. */
static int push(struct client *cl, struct client_conn *c)
{
	while (c->out_left) {
		size_t len = c->out_left < cl->job->bs ? (size_t)c->out_left : (size_t)cl->job->bs;
		const char *from = cl->out_buf + pat_off(cl, c, c->tx_seq - 1) + (cl->job->bs - c->out_left);
		ssize_t n = send(c->fd, from, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return set_out_interest(cl, c, true);
			if (errno == EINTR)
				continue;
			return fail(cl, -errno, "send");
		}
		c->out_left -= (uint64_t)n;
	}
	return set_out_interest(cl, c, false);
}

/* Starts messages on c while it may: closed loop up to qd in flight, open
 * loop also only once due.  now is refreshed per send (its time stamp). */
static int start_sends(struct client *cl, struct client_conn *c)
{
	const struct net_job *job = cl->job;
	while (c->out_left == 0 && c->inflight < job->qd && cl->phase < 2) {
		uint64_t now = bench_now_ns();
		uint64_t stamp = now;
		if (job->rate > 0) {
			if ((double)now < c->next_due)
				break;
			stamp = (uint64_t)c->next_due;
			if (now - stamp > 1000000)
				cl->r->late_sends += cl->phase == 1;
			c->next_due += (double)job->conns * 1e9 / job->rate;
		}
		c->t_sent[(c->head + c->inflight) % job->qd] = stamp;
		c->inflight++;
		c->tx_seq++;
		c->out_left = job->bs;
		int ret = push(cl, c);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Reads what c has; completes the messages it answers. */
static int drain(struct client *cl, struct client_conn *c)
{
	const struct net_job *job = cl->job;
	for (;;) {
		ssize_t n = recv(c->fd, cl->in_buf, cl->in_size, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return fail(cl, -errno, "recv");
		}
		if (n == 0)
			return fail(cl, -ECONNRESET, "the server closed a connection");
		uint64_t now = bench_now_ns();
		const char *p = cl->in_buf;
		size_t left = (size_t)n;
		while (left) {
			if (c->inflight == 0)
				return fail(cl, -EPROTO, "more bytes came back than were sent");
			uint64_t need = cl->reply_size - c->in_have;
			size_t take = left < need ? left : (size_t)need;
			if (job->workload == NET_ECHO) {
				const char *want = cl->out_buf + pat_off(cl, c, c->rx_seq) + c->in_have;
				if (memcmp(p, want, take) != 0)
					return fail(cl, -EBADMSG, "echo: the bytes that came back differ from those sent");
			} else if (memcmp(p, net_ack_bytes, take) != 0) {
				return fail(cl, -EBADMSG, "stream: an acknowledgement byte is wrong");
			}
			p += take;
			left -= take;
			c->in_have += take;
			if (c->in_have < cl->reply_size)
				break;
			c->in_have = 0;
			c->rx_seq++;
			uint64_t sent = c->t_sent[c->head];
			c->head = (c->head + 1) % job->qd;
			c->inflight--;
			phase_at(cl, now, false);
			if (cl->phase == 1) {
				cl->r->msgs++;
				cl->r->bytes += job->bs;
				hist_record(cl->r->lat, now > sent ? now - sent : 0);
				phase_at(cl, now, true);
			}
		}
		if ((size_t)n < cl->in_size)
			return 0;
	}
}

static int run(struct client *cl, const int *fds)
{
	const struct net_job *job = cl->job;
	unsigned conns = job->conns;
	enum { MAXEV = 256 };
	struct epoll_event evs[MAXEV];
	uint64_t t0 = bench_now_ns();
	cl->t_warm_end = t0 + (uint64_t)(job->warmup * 1e9);
	cl->t_end = cl->t_warm_end + (uint64_t)(job->duration * 1e9);
	for (unsigned i = 0; i < conns; i++) {
		struct client_conn *c = &cl->c[i];
		c->fd = fds[i];
		c->next_due = (double)t0 + (job->rate > 0 ? (double)i * 1e9 / job->rate : 0);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(cl->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			return fail(cl, -errno, "epoll_ctl");
	}
	for (unsigned i = 0; i < conns; i++)
		if (start_sends(cl, &cl->c[i]) < 0)
			return cl->r->err;
	while (cl->phase < 2) {
		int timeout_ms = 100;
		struct timespec ts, *tsp = NULL;
		uint64_t now = bench_now_ns();
		if (job->rate > 0) {
			/* Wake for the earliest due send among connections that can send. */
			double due = (double)(cl->t_end + STALL_NS);
			for (unsigned i = 0; i < conns; i++) {
				struct client_conn *c = &cl->c[i];
				if (c->out_left == 0 && c->inflight < job->qd && c->next_due < due)
					due = c->next_due;
			}
			uint64_t wait = due > (double)now ? (uint64_t)(due - (double)now) : 0;
			ts.tv_sec = (time_t)(wait / 1000000000u);
			ts.tv_nsec = (long)(wait % 1000000000u);
			tsp = &ts;
		}
		int n = tsp ? epoll_pwait2(cl->ep, evs, MAXEV, tsp, NULL) : epoll_wait(cl->ep, evs, MAXEV, timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(cl, -errno, "epoll_wait");
		}
		for (int k = 0; k < n; k++) {
			struct client_conn *c = evs[k].data.ptr;
			if ((evs[k].events & EPOLLOUT) && push(cl, c) < 0)
				return cl->r->err;
			if ((evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && drain(cl, c) < 0)
				return cl->r->err;
			if (start_sends(cl, c) < 0)
				return cl->r->err;
		}
		if (job->rate > 0)
			for (unsigned i = 0; i < conns; i++)
				if (start_sends(cl, &cl->c[i]) < 0)
					return cl->r->err;
		phase_at(cl, bench_now_ns(), false);
	}
	return 0;
}

void net_client_run(const struct net_job *job, const int *fds, int client_cpu, struct net_client_result *r)
{
	struct client cl = { .job = job, .r = r, .ep = -1 };
	cl.reply_size = job->workload == NET_ECHO ? job->bs : 1;
	cl.in_size = 65536;
	if (client_cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(client_cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0) {
			fail(&cl, -errno, "sched_setaffinity");
			return;
		}
	}
	cl.c = calloc(job->conns, sizeof(*cl.c));
	uint64_t *stamps = calloc((size_t)job->conns * job->qd, sizeof(*stamps));
	cl.out_buf = malloc(job->bs + PAT_PERIOD);
	cl.in_buf = malloc(cl.in_size);
	cl.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!cl.c || !stamps || !cl.out_buf || !cl.in_buf) {
		fail(&cl, -ENOMEM, "buffers");
	} else if (cl.ep < 0) {
		fail(&cl, -errno, "epoll_create1");
	} else {
		for (uint64_t k = 0; k < job->bs + PAT_PERIOD; k++)
			cl.out_buf[k] = (char)(k % PAT_PERIOD);
		for (unsigned i = 0; i < job->conns; i++)
			cl.c[i].t_sent = stamps + (size_t)i * job->qd;
		run(&cl, fds);
		if (cl.phase == 2)
			r->seconds = (double)(cl.t_close - cl.t_open) / 1e9;
	}
	if (cl.ep >= 0)
		close(cl.ep);
	free(cl.c);
	free(stamps);
	free(cl.out_buf);
	free(cl.in_buf);
}
