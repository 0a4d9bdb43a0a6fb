/*
 * wl_streams.c - the stream workloads: a pipe and a socketpair echo.
 *
 * A stream has no offsets to re-read, so these catch what positioned I/O
 * cannot: a byte read twice, a write submitted twice, a read whose result
 * was cut after the kernel had consumed the data.  Every byte is checked
 * against the pattern at its stream offset, and the byte counts of both ends
 * must match.  Writes are single urt_write/urt_send calls: after an error
 * from urt_write_all nobody knows how much reached the stream.
 */
#define _GNU_SOURCE /* pipe2 */
#include "workload.h"
#include "workload_data.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CHUNK 8191 /* odd write sizes 1, 3, ..., 8191 */
#define MAX_READ (16 * 1024)

/* The writer's plan: odd chunk sizes summing to total. */
struct chunks {
	uint32_t *len;
	size_t n;
	uint64_t total;
};

static int plan_chunks(struct wl_run *run, struct chunks *c, uint64_t total)
{
	size_t cap = 1024;
	c->len = malloc(cap * sizeof(*c->len));
	c->n = 0;
	c->total = 0;
	while (c->len && c->total < total) {
		if (c->n == cap) {
			uint32_t *grown = realloc(c->len, 2 * cap * sizeof(*c->len));
			if (!grown) {
				free(c->len);
				c->len = NULL;
				break;
			}
			c->len = grown;
			cap *= 2;
		}
		uint32_t len = 1 + 2 * (uint32_t)wd_below(&run->prng, (MAX_CHUNK + 1) / 2);
		c->len[c->n++] = len;
		c->total += len;
	}
	if (!c->len) {
		wl_fail(run, "out of memory for the chunk plan");
		return -1;
	}
	return 0;
}

/* Sends chunk after chunk; send(fd, buf, len) is urt_write or urt_send.
 * Returns the bytes the stream accepted; *ok is false when it stopped on an
 * error. */
static uint64_t send_chunks(struct wl_run *run, struct chunks *c, struct wl_ids *ids, int fd, bool sock, bool *ok)
{
	char *buf = malloc(MAX_CHUNK);
	uint64_t off = 0;
	*ok = false;
	if (!buf) {
		wl_fail(run, "out of memory for a send buffer");
		return 0;
	}
	for (size_t i = 0; i < c->n && !run->r->failed; i++) {
		size_t len = c->len[i], done = 0;
		wd_pattern_fill(buf, len, off, run->p->seed);
		wl_id_start(ids, i);
		while (done < len) {
			ssize_t w = sock ? urt_send(fd, buf + done, len - done, MSG_NOSIGNAL)
					 : urt_write(fd, buf + done, len - done, -1);
			if (w < 0) {
				if (wl_error(run, w, sock ? "send" : "pipe write"))
					continue;
				break;
			}
			if (w == 0 || (size_t)w > len - done) {
				wl_fail(run, "stream write returned %zd for %zu bytes", w, len - done);
				break;
			}
			done += (size_t)w;
			off += (uint64_t)w;
		}
		wl_id_done(ids, i, done == len);
		if (done != len)
			goto out;
	}
	*ok = !run->r->failed;
out:
	free(buf);
	return off;
}

/* Receives and checks until end of stream.  Returns the bytes received;
 * *eof is true when the stream really ended (not an error). */
static uint64_t receive_all(struct wl_run *run, int fd, bool sock, const char *what, bool *eof,
			    int echo_fd, uint64_t *echoed)
{
	char *buf = malloc(MAX_READ);
	/* Read sizes from the seed: the server and the client draw differently. */
	uint64_t prng = run->p->seed ^ (echo_fd >= 0 ? 0x5e7e5e7eu : 0xc11e47u);
	uint64_t off = 0;
	*eof = false;
	if (!buf) {
		wl_fail(run, "out of memory for a receive buffer");
		return 0;
	}
	while (!run->r->failed) {
		size_t want = 1 + (size_t)wd_below(&prng, MAX_READ);
		ssize_t r = sock ? urt_recv(fd, buf, want, 0) : urt_read(fd, buf, want, -1);
		if (r < 0) {
			if (wl_error(run, r, what))
				continue;
			break;
		}
		if (r == 0) {
			*eof = true;
			break;
		}
		if ((size_t)r > want) {
			wl_fail(run, "%s returned %zd for %zu bytes", what, r, want);
			break;
		}
		wl_check(run, buf, (size_t)r, off, run->p->seed, what);
		off += (uint64_t)r;
		/* The echo server sends back what it got before reading more. */
		for (size_t done = 0; echo_fd >= 0 && done < (size_t)r;) {
			ssize_t w = urt_send(echo_fd, buf + done, (size_t)r - done, MSG_NOSIGNAL);
			if (w < 0) {
				if (wl_error(run, w, "echo send"))
					continue;
				goto out;
			}
			if (w == 0 || (size_t)w > (size_t)r - done) {
				wl_fail(run, "echo send returned %zd for %zu bytes", w, (size_t)r - done);
				goto out;
			}
			done += (size_t)w;
			*echoed += (uint64_t)w;
		}
	}
out:
	free(buf);
	return off;
}

/* Both ends' byte counts must agree: fewer bytes received is a lost write,
 * more is a doubled one. */
static void match_counts(struct wl_run *run, const char *what, uint64_t sent, uint64_t received, bool eof)
{
	if (received > sent) {
		run->r->doubled_ops++;
		wl_fail(run, "%s: %llu bytes received but only %llu sent", what, (unsigned long long)received,
			(unsigned long long)sent);
	} else if (eof && received < sent) {
		run->r->lost_ops++;
		wl_fail(run, "%s: %llu bytes sent, stream ended after %llu", what, (unsigned long long)sent,
			(unsigned long long)received);
	}
}

/* ---- pipe ---- */

struct pipe_wl {
	struct wl_run *run;
	int rfd, wfd;
	struct chunks plan;
	struct wl_ids ids;
	uint64_t sent, received;
	bool eof;
};

static void pipe_writer(void *arg)
{
	struct pipe_wl *pw = arg;
	bool ok;
	pw->sent = send_chunks(pw->run, &pw->plan, &pw->ids, pw->wfd, false, &ok);
	close(pw->wfd); /* the reader sees end of stream, whatever happened here */
	pw->wfd = -1;
}

static void pipe_reader(void *arg)
{
	struct pipe_wl *pw = arg;
	pw->received = receive_all(pw->run, pw->rfd, false, "pipe read", &pw->eof, -1, NULL);
	close(pw->rfd); /* a writer blocked on a full pipe gets EPIPE instead of waiting forever */
	pw->rfd = -1;
}

void wl_pipe(struct wl_run *run)
{
	struct pipe_wl pw = { .run = run, .rfd = -1, .wfd = -1 };
	int fds[2];
	struct urt *rt = NULL;
	if (plan_chunks(run, &pw.plan, wl_scaled(run, 8u << 20, 64 << 10)) < 0)
		return;
	if (wl_ids_init(run, &pw.ids, pw.plan.n) < 0)
		goto out;
	if (pipe2(fds, O_CLOEXEC) != 0) {
		wl_fail(run, "pipe2 failed");
		goto out_ids;
	}
	pw.rfd = fds[0];
	pw.wfd = fds[1];
	wl_note_fd(run, pw.rfd);
	wl_note_fd(run, pw.wfd);
	struct urt_config cfg = wl_seeded_config(run);
	if (wl_create(run, &rt, &cfg) < 0)
		goto out_ids;
	if (wl_spawn(run, rt, pipe_reader, &pw) == 0 && wl_spawn(run, rt, pipe_writer, &pw) < 0) {
		close(pw.wfd); /* no writer: let the reader finish */
		pw.wfd = -1;
	}
	wl_run_and_destroy(run, rt);
	match_counts(run, "pipe", pw.sent, pw.received, pw.eof);
	if (!run->p->expect_errors)
		run->r->bytes_expected += pw.plan.total;
out_ids:
	wl_ids_finish(run, &pw.ids);
out:
	if (pw.rfd >= 0)
		close(pw.rfd);
	if (pw.wfd >= 0)
		close(pw.wfd);
	free(pw.plan.len);
}

/* ---- echo ---- */

struct echo_wl {
	struct wl_run *run;
	int client, server;
	struct chunks plan;
	struct wl_ids ids;
	uint64_t sent, at_server, echoed, received;
	bool server_eof, client_eof;
	bool aborted; /* streams were cut on purpose: shorter is not lost */
};

/* A side that stops on an error unblocks everyone: pending receives see end
 * of stream, pending sends fail. */
static void echo_abort(struct echo_wl *ew)
{
	ew->aborted = true;
	shutdown(ew->client, SHUT_RDWR);
	shutdown(ew->server, SHUT_RDWR);
}

static void echo_client_writer(void *arg)
{
	struct echo_wl *ew = arg;
	bool ok;
	ew->sent = send_chunks(ew->run, &ew->plan, &ew->ids, ew->client, true, &ok);
	if (ok)
		shutdown(ew->client, SHUT_WR);
	else
		echo_abort(ew);
}

static void echo_server(void *arg)
{
	struct echo_wl *ew = arg;
	ew->at_server = receive_all(ew->run, ew->server, true, "echo server recv", &ew->server_eof, ew->server,
				    &ew->echoed);
	if (ew->server_eof && ew->echoed == ew->at_server)
		shutdown(ew->server, SHUT_WR);
	else
		echo_abort(ew);
}

static void echo_client_reader(void *arg)
{
	struct echo_wl *ew = arg;
	ew->received = receive_all(ew->run, ew->client, true, "echo client recv", &ew->client_eof, -1, NULL);
	if (!ew->client_eof)
		echo_abort(ew);
}

void wl_echo(struct wl_run *run)
{
	struct echo_wl ew = { .run = run, .client = -1, .server = -1 };
	int sv[2];
	struct urt *rt = NULL;
	if (plan_chunks(run, &ew.plan, wl_scaled(run, 8u << 20, 64 << 10)) < 0)
		return;
	if (wl_ids_init(run, &ew.ids, ew.plan.n) < 0)
		goto out;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		wl_fail(run, "socketpair failed");
		goto out_ids;
	}
	ew.client = sv[0];
	ew.server = sv[1];
	wl_note_fd(run, ew.client);
	wl_note_fd(run, ew.server);
	struct urt_config cfg = wl_seeded_config(run);
	if (wl_create(run, &rt, &cfg) < 0)
		goto out_ids;
	if (wl_spawn(run, rt, echo_client_reader, &ew) < 0 || wl_spawn(run, rt, echo_server, &ew) < 0 ||
	    wl_spawn(run, rt, echo_client_writer, &ew) < 0)
		echo_abort(&ew); /* whoever was spawned must not wait for the others */
	wl_run_and_destroy(run, rt);
	match_counts(run, "echo client->server", ew.sent, ew.at_server, ew.server_eof && !ew.aborted);
	match_counts(run, "echo server->client", ew.echoed, ew.received, ew.client_eof && !ew.aborted);
	if (!run->p->expect_errors)
		run->r->bytes_expected += 2 * ew.plan.total;
out_ids:
	wl_ids_finish(run, &ew.ids);
out:
	if (ew.client >= 0)
		close(ew.client);
	if (ew.server >= 0)
		close(ew.server);
	free(ew.plan.len);
}
