/*
 * wl_tcp.c - the TCP echo workload: loopback connections through the socket
 * calls of runtime/src/net.c, under the fault points.
 *
 * A server task takes NCONN connections from a multishot accept
 * (urt_accept_multishot) and serves each in a task of its own: even
 * connections through a multishot receiver (urt_recv_multishot on a
 * provided buffer ring) echoing with urt_send, odd ones through
 * urt_recv_buf echoing with urt_send_zc (urt_send where the kernel has no
 * zero-copy send).  Each client connects with urt_connect, sends odd-sized
 * chunks with urt_send and urt_sendmsg (two iovecs) and urt_shutdown(SHUT_WR)
 * at the end; its reader checks the echo with urt_recv.  Every byte is
 * checked twice: by the server against the pattern of its connection (found
 * from the peer's port) at its stream offset, and by the client's reader.
 * The buffer ring is small (8 buffers for 4 connections), so receives run it
 * dry and wait for buffers to come back.
 *
 * A worker that stops on an error shuts every socket down (the listening
 * one too), so nobody waits for ever; the byte counts of both ends of each
 * connection are then not compared (wl_streams.c does the same).
 */
#define _GNU_SOURCE
#include "workload.h"
#include "workload_data.h"

#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NCONN 4
#define MAX_CHUNK 8191
#define MAX_READ (16 * 1024)
#define RING_BUFS 8
#define RING_BUF_SIZE 2048

struct tcp_wl;

struct tcp_conn {
	struct tcp_wl *w;
	int idx;
	uint64_t seed;      /* the pattern of this connection's stream */
	int client;         /* client side, -1 until created */
	uint16_t port;      /* the client's local port (how the server knows it) */
	uint32_t *chunks;   /* the writer's plan */
	size_t nchunks;
	size_t first_id;    /* its chunks' ids in w->ids */
	uint64_t total, sent, at_server, echoed, received;
	bool server_eof, client_eof;
};

struct tcp_wl {
	struct wl_run *run;
	struct urt *rt;
	int lfd;
	struct sockaddr_in addr;
	struct urt_bufring *br;
	struct tcp_conn conn[NCONN];
	int srv_fd[NCONN];  /* server sides in accept order, -1 until accepted */
	struct wl_ids ids;
	bool aborted;
	bool no_zc; /* the kernel has no IORING_OP_SEND_ZC: odd servers echo with urt_send */
};

/* Someone stopped on an error: unblock everyone.  Receives see end of
 * stream, sends fail, the accept fails. */
static void tcp_abort(struct tcp_wl *w)
{
	w->aborted = true;
	shutdown(w->lfd, SHUT_RDWR);
	for (int i = 0; i < NCONN; i++) {
		if (w->conn[i].client >= 0)
			shutdown(w->conn[i].client, SHUT_RDWR);
		if (w->srv_fd[i] >= 0)
			shutdown(w->srv_fd[i], SHUT_RDWR);
	}
}

/* An error from a worker: true to repeat the operation; false to stop (the
 * others are then unblocked).  Every error is counted, also after an abort
 * (an injected -EIO must reach exactly one caller); an abort happens only
 * in a run that expects errors or has failed already, so the errors it
 * causes fail nothing new. */
static bool tcp_error(struct tcp_wl *w, ssize_t err, const char *what)
{
	if (wl_error(w->run, err, what) && !w->aborted)
		return true;
	tcp_abort(w);
	return false;
}

/* Sends buf[0, len) with send (0: urt_send, 1: urt_sendmsg in two parts,
 * 2: urt_send_zc), going on after short sends.  0, or -1 when stopped. */
static int send_all(struct tcp_wl *w, int fd, const char *buf, size_t len, int how, uint64_t *count,
		    const char *what)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r;
		size_t left = len - done;
		if (how == 1 && left > 1) {
			struct iovec iov[2] = { { (char *)buf + done, left / 2 }, { (char *)buf + done + left / 2,
										   left - left / 2 } };
			struct msghdr m = { 0 };
			m.msg_iov = iov;
			m.msg_iovlen = 2;
			r = urt_sendmsg(fd, &m, MSG_NOSIGNAL);
		} else if (how == 2) {
			r = urt_send_zc(fd, buf + done, left, MSG_NOSIGNAL);
		} else {
			r = urt_send(fd, buf + done, left, MSG_NOSIGNAL);
		}
		if (r < 0) {
			if (tcp_error(w, r, what))
				continue;
			return -1;
		}
		if (r == 0 || (size_t)r > left) {
			wl_fail(w->run, "%s returned %zd for %zu bytes", what, r, left);
			tcp_abort(w);
			return -1;
		}
		done += (size_t)r;
		if (count)
			*count += (uint64_t)r;
	}
	return 0;
}

/* urt_shutdown(SHUT_WR), repeated after an allowed error. */
static int shut_wr(struct tcp_wl *w, int fd, const char *what)
{
	for (;;) {
		int r = urt_shutdown(fd, SHUT_WR);
		if (r == 0)
			return 0;
		if (!tcp_error(w, r, what))
			return -1;
	}
}

/* ---- server ---- */

/* The connection whose client has the port fd's peer has, or NULL. */
static struct tcp_conn *conn_of(struct tcp_wl *w, int fd)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	if (getpeername(fd, (struct sockaddr *)&peer, &len) != 0)
		return NULL;
	for (int i = 0; i < NCONN; i++)
		if (w->conn[i].port && w->conn[i].port == ntohs(peer.sin_port))
			return &w->conn[i];
	return NULL;
}

/* Checks one received chunk at the server and echoes it.  0, or -1 to stop. */
static int serve_chunk(struct tcp_wl *w, int fd, struct tcp_conn **cp, const char *p, size_t n, bool zc)
{
	struct tcp_conn *c = *cp;
	if (!c) {
		/* The client sends only after it noted its port. */
		c = *cp = conn_of(w, fd);
		if (!c) {
			wl_fail(w->run, "server: data from a peer that is no client of ours");
			tcp_abort(w);
			return -1;
		}
	}
	wl_check(w->run, p, n, c->at_server, c->seed, "tcp server recv");
	c->at_server += n;
	return send_all(w, fd, p, n, zc && !w->no_zc ? 2 : 0, &c->echoed, zc ? "tcp echo send_zc" : "tcp echo send");
}

struct serve_arg {
	struct tcp_wl *w;
	int fd;
	int nth; /* in accept order: even = receiver, odd = urt_recv_buf */
};

static void serve(void *arg)
{
	struct serve_arg *sa = arg;
	struct tcp_wl *w = sa->w;
	int fd = sa->fd;
	struct tcp_conn *c = NULL;
	bool eof = false;
	if (sa->nth % 2 == 0) {
		struct urt_receiver *r = NULL;
		while (!eof && !w->aborted) {
			if (!r) {
				int ret = urt_recv_multishot(&r, fd, w->br, 0);
				if (ret < 0) {
					r = NULL;
					if (tcp_error(w, ret, "tcp recv_multishot"))
						continue;
					break;
				}
			}
			void *p;
			ssize_t n = urt_receiver_next(r, &p);
			if (n < 0) {
				/* A receiver's error is final for it: a new one goes
				 * on where it stopped (nothing queued is lost). */
				urt_receiver_close(r);
				r = NULL;
				if (tcp_error(w, n, "tcp receiver"))
					continue;
				break;
			}
			if (n == 0) {
				eof = true;
				break;
			}
			int ok = serve_chunk(w, fd, &c, p, (size_t)n, false);
			urt_buf_release(w->br, p);
			if (ok < 0)
				break;
		}
		if (r)
			urt_receiver_close(r);
	} else {
		while (!eof && !w->aborted) {
			void *p;
			ssize_t n = urt_recv_buf(fd, w->br, &p, 0);
			if (n < 0) {
				if (tcp_error(w, n, "tcp recv_buf"))
					continue;
				break;
			}
			if (n == 0) {
				eof = true;
				break;
			}
			int ok = serve_chunk(w, fd, &c, p, (size_t)n, true);
			urt_buf_release(w->br, p);
			if (ok < 0)
				break;
		}
	}
	if (c)
		c->server_eof = eof;
	if (eof && !w->aborted)
		shut_wr(w, fd, "tcp server shutdown");
	else
		tcp_abort(w);
	free(sa);
}

static void server(void *arg)
{
	struct tcp_wl *w = arg;
	struct urt_listener *l = NULL;
	int accepted = 0;
	while (accepted < NCONN && !w->aborted) {
		if (!l) {
			int ret = urt_accept_multishot(&l, w->lfd, SOCK_CLOEXEC);
			if (ret < 0) {
				l = NULL;
				if (tcp_error(w, ret, "tcp accept_multishot"))
					continue;
				break;
			}
		}
		int fd = urt_listener_accept(l);
		if (fd < 0) {
			if (tcp_error(w, fd, "tcp listener accept"))
				continue;
			break;
		}
		struct serve_arg *sa = malloc(sizeof(*sa));
		if (!sa) {
			close(fd);
			wl_fail(w->run, "out of memory for a connection");
			tcp_abort(w);
			break;
		}
		*sa = (struct serve_arg){ w, fd, accepted };
		/* Where tcp_abort and the end of the run find it. */
		w->srv_fd[accepted] = fd;
		accepted++;
		if (wl_spawn(w->run, w->rt, serve, sa) < 0) {
			free(sa);
			tcp_abort(w);
			break;
		}
	}
	if (l)
		urt_listener_close(l);
	if (accepted < NCONN)
		tcp_abort(w);
}

/* ---- client ---- */

static void client_reader(void *arg)
{
	struct tcp_conn *c = arg;
	struct tcp_wl *w = c->w;
	char *buf = malloc(MAX_READ);
	uint64_t prng = c->seed ^ 0xc11e47u;
	if (!buf) {
		wl_fail(w->run, "out of memory for a receive buffer");
		tcp_abort(w);
		return;
	}
	while (!w->run->r->failed) {
		size_t want = 1 + (size_t)wd_below(&prng, MAX_READ);
		ssize_t r = urt_recv(c->client, buf, want, 0);
		if (r < 0) {
			if (tcp_error(w, r, "tcp client recv"))
				continue;
			break;
		}
		if (r == 0) {
			c->client_eof = true;
			break;
		}
		if ((size_t)r > want) {
			wl_fail(w->run, "tcp client recv returned %zd for %zu bytes", r, want);
			break;
		}
		wl_check(w->run, buf, (size_t)r, c->received, c->seed, "tcp client recv");
		c->received += (uint64_t)r;
	}
	if (!c->client_eof)
		tcp_abort(w);
	free(buf);
}

static void client_writer(void *arg)
{
	struct tcp_conn *c = arg;
	struct tcp_wl *w = c->w;
	for (;;) {
		int r = urt_connect(c->client, (struct sockaddr *)&w->addr, sizeof(w->addr));
		if (r == 0)
			break;
		if (!tcp_error(w, r, "tcp connect"))
			return;
	}
	struct sockaddr_in me;
	socklen_t len = sizeof(me);
	if (getsockname(c->client, (struct sockaddr *)&me, &len) != 0) {
		wl_fail(w->run, "getsockname failed");
		tcp_abort(w);
		return;
	}
	c->port = ntohs(me.sin_port);
	if (wl_spawn(w->run, w->rt, client_reader, c) < 0) {
		tcp_abort(w);
		return;
	}
	char *buf = malloc(MAX_CHUNK);
	if (!buf) {
		wl_fail(w->run, "out of memory for a send buffer");
		tcp_abort(w);
		return;
	}
	uint64_t off = 0;
	size_t i = 0;
	for (; i < c->nchunks && !w->aborted; i++) {
		size_t n = c->chunks[i];
		wd_pattern_fill(buf, n, off, c->seed);
		wl_id_start(&w->ids, c->first_id + i);
		uint64_t before = c->sent;
		int ok = send_all(w, c->client, buf, n, (int)(i % 2), &c->sent, "tcp client send");
		wl_id_done(&w->ids, c->first_id + i, ok == 0 && c->sent - before == n);
		off += c->sent - before;
		if (ok < 0)
			break;
	}
	free(buf);
	if (i == c->nchunks && !w->aborted)
		shut_wr(w, c->client, "tcp client shutdown");
	else
		tcp_abort(w);
}

/* ---- the workload ---- */

static void tcp_start(void *arg)
{
	struct tcp_wl *w = arg;
	/* The buffer ring belongs to the runtime: made here, in a task. */
	int r;
	for (;;) {
		r = urt_bufring_create(&w->br, w->rt, RING_BUFS, RING_BUF_SIZE);
		if (r == 0 || !tcp_error(w, r, "tcp bufring_create"))
			break;
	}
	if (r < 0)
		return;
	if (wl_spawn(w->run, w->rt, server, w) < 0) {
		tcp_abort(w);
		return;
	}
	for (int i = 0; i < NCONN; i++)
		if (wl_spawn(w->run, w->rt, client_writer, &w->conn[i]) < 0) {
			tcp_abort(w);
			return;
		}
}

/* The last task: the ring is only given back when every buffer is. */
static void tcp_finish(void *arg)
{
	struct tcp_wl *w = arg;
	if (w->br && urt_bufring_destroy(w->br) < 0)
		wl_fail(w->run, "buffer ring still busy at the end: a buffer was never given back");
	w->br = NULL;
}

static bool kernel_has_send_zc(void)
{
	struct io_uring ring;
	if (io_uring_queue_init(2, &ring, 0) < 0)
		return false;
	struct io_uring_probe *p = io_uring_get_probe_ring(&ring);
	bool ok = p && io_uring_opcode_supported(p, IORING_OP_SEND_ZC);
	if (p)
		io_uring_free_probe(p);
	io_uring_queue_exit(&ring);
	return ok;
}

void wl_tcp(struct wl_run *run)
{
	struct tcp_wl *w = calloc(1, sizeof(*w));
	if (!w) {
		wl_fail(run, "out of memory");
		return;
	}
	w->run = run;
	w->lfd = -1;
	w->no_zc = !kernel_has_send_zc();
	for (int i = 0; i < NCONN; i++)
		w->srv_fd[i] = -1;
	for (int i = 0; i < NCONN; i++)
		w->conn[i] = (struct tcp_conn){ .w = w, .idx = i, .client = -1,
						.seed = run->p->seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(i + 1)) };
	/* The plans: odd chunk sizes, 256 KiB per connection at scale 1. */
	uint64_t per_conn = wl_scaled(run, 256u << 10, 16 << 10);
	size_t total_chunks = 0;
	for (int i = 0; i < NCONN && !run->r->failed; i++) {
		struct tcp_conn *c = &w->conn[i];
		size_t cap = (size_t)(per_conn / 2) + 1;
		c->chunks = malloc(cap * sizeof(*c->chunks));
		if (!c->chunks) {
			wl_fail(run, "out of memory for a chunk plan");
			break;
		}
		while (c->total < per_conn && c->nchunks < cap) {
			uint32_t len = 1 + 2 * (uint32_t)wd_below(&run->prng, (MAX_CHUNK + 1) / 2);
			c->chunks[c->nchunks++] = len;
			c->total += len;
		}
		c->first_id = total_chunks;
		total_chunks += c->nchunks;
	}
	if (run->r->failed || wl_ids_init(run, &w->ids, total_chunks) < 0)
		goto out;
	w->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	w->addr.sin_family = AF_INET;
	w->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t alen = sizeof(w->addr);
	if (w->lfd < 0 || bind(w->lfd, (struct sockaddr *)&w->addr, sizeof(w->addr)) != 0 ||
	    getsockname(w->lfd, (struct sockaddr *)&w->addr, &alen) != 0 || listen(w->lfd, NCONN * 2) != 0) {
		wl_fail(run, "loopback listening socket: %s", strerror(errno));
		goto out_ids;
	}
	for (int i = 0; i < NCONN; i++) {
		w->conn[i].client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (w->conn[i].client < 0) {
			wl_fail(run, "socket: %s", strerror(errno));
			goto out_ids;
		}
	}
	struct urt_config cfg = wl_seeded_config(run);
	if (wl_create(run, &w->rt, &cfg) < 0)
		goto out_ids;
	if (wl_spawn(run, w->rt, tcp_start, w) == 0) {
		wl_run_phase(run, w->rt);
		/* Every worker has finished: give the ring back in a task. */
		if (wl_spawn(run, w->rt, tcp_finish, w) == 0)
			wl_run_phase(run, w->rt);
	}
	wl_destroy(run, w->rt);
	for (int i = 0; i < NCONN; i++) {
		struct tcp_conn *c = &w->conn[i];
		char what[64];
		snprintf(what, sizeof(what), "tcp connection %d", i);
		/* More bytes at one end than the other sent is a doubled send;
		 * fewer at a real end of stream is a lost one. */
		if (c->at_server > c->sent || c->received > c->echoed) {
			run->r->doubled_ops++;
			wl_fail(run, "%s: %llu sent, %llu at server, %llu echoed, %llu received", what,
				(unsigned long long)c->sent, (unsigned long long)c->at_server,
				(unsigned long long)c->echoed, (unsigned long long)c->received);
		} else if (!w->aborted && (c->at_server < c->sent || c->received < c->echoed || !c->client_eof)) {
			run->r->lost_ops++;
			wl_fail(run, "%s: %llu sent, %llu at server, %llu echoed, %llu received", what,
				(unsigned long long)c->sent, (unsigned long long)c->at_server,
				(unsigned long long)c->echoed, (unsigned long long)c->received);
		}
		if (!run->p->expect_errors)
			run->r->bytes_expected += 2 * c->total;
	}
out_ids:
	wl_ids_finish(run, &w->ids);
out:
	if (w->lfd >= 0)
		close(w->lfd);
	for (int i = 0; i < NCONN; i++) {
		if (w->conn[i].client >= 0)
			close(w->conn[i].client);
		if (w->srv_fd[i] >= 0)
			close(w->srv_fd[i]);
		free(w->conn[i].chunks);
	}
	free(w);
}
