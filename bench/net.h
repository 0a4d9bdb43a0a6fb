/*
 * net.h - the network workloads of urt-bench (echo, stream) over loopback
 * TCP: one fixed load generator (the client, net_client.c) against server
 * backends that differ only in how they serve the same protocol.
 *
 * Protocol, the same for every backend (net_reply):
 *   echo    the server sends back every byte it receives; the client sends
 *           one message of bs bytes per connection and waits for all bs
 *           bytes to come back (one round trip).
 *   stream  the client keeps up to qd messages of bs bytes in flight per
 *           connection; the server answers each complete message with a
 *           one-byte acknowledgement, so flow control is per message (the
 *           RPC / HTTP/2 pattern) and the bulk of the bytes go one way.
 * Every server connection handler is sequential: receive, reply in full,
 * receive again.  A connection ends when the client closes it (recv 0,
 * -ECONNRESET or -EPIPE on send): that is how a server learns the job is
 * over, so no backend needs a timer or a stop flag.
 */
#ifndef BENCH_NET_H
#define BENCH_NET_H

#include "bench.h"
#include "histogram.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Knobs a server backend may not honour (listed under "not_applicable"). */
enum net_opt { NET_OPT_BATCH = 1 << 0, NET_OPT_THREADS = 1 << 1 };

#define NET_MAX_CONNS 10000
#define NET_MAX_QD 4096
#define NET_ACK_MAX NET_MAX_QD /* acks one reply can carry: a client never has more in flight */

/* One configuration. */
struct net_job {
	enum net_workload workload;
	unsigned conns, qd, batch, server_threads, repeat;
	uint64_t bs;
	double rate;             /* offered messages/s over all connections; 0 = closed loop */
	double duration, warmup; /* seconds */
	uint64_t seed;
	size_t bufsize;          /* the servers' receive buffer per connection */
};

/* One server thread's share: the connections it serves until each ends. */
struct net_server {
	const struct net_job *job;
	const int *fds;
	unsigned n_fds;
	int err;                 /* first error, -errno; 0 = fine */
	char errmsg[160];
};

/* A network server backend: one file in backends_net/ that defines one of
 * these and registers it with NET_BACKEND(), as the file backends do with
 * BENCH_BACKEND(). */
struct net_backend {
	const char *name;
	int rank;                /* place in listings, lower first */
	unsigned applies;        /* NET_OPT_* it honours */
	/* Serves s->fds until every connection has ended; reports failures in
	 * s->err/errmsg.  Never closes the fds (the harness does). */
	void (*serve)(struct net_server *s);
};

void net_register_backend(const struct net_backend *b);
/* The i-th registered network backend in rank order, or NULL past the last. */
const struct net_backend *net_backend_at(unsigned i);
const struct net_backend *net_backend_find(const char *name);
#define NET_BACKEND(b) BENCH_REGISTER(net_register_backend, b)

void net_fail(struct net_server *s, int err, const char *what);

/* Per-connection protocol state of a server. */
struct net_conn_proto {
	uint64_t partial; /* stream: bytes of a message not yet complete */
};

extern const char net_ack_bytes[NET_ACK_MAX];

/* What to send back after receiving n bytes into buf: *out and the length
 * (0 = nothing yet: a stream message is still incomplete). */
static inline size_t net_reply(const struct net_job *job, struct net_conn_proto *p, const char *buf, size_t n,
			       const char **out)
{
	if (job->workload == NET_ECHO) {
		*out = buf;
		return n;
	}
	p->partial += n;
	uint64_t k = p->partial / job->bs;
	p->partial %= job->bs;
	*out = net_ack_bytes;
	/* The client never has more than qd <= NET_ACK_MAX messages unanswered. */
	return (size_t)(k < NET_ACK_MAX ? k : NET_ACK_MAX);
}

/* The end of a connection rather than a failure: the client closed it. */
static inline bool net_peer_gone(long res)
{
	return res == 0 || res == -ECONNRESET || res == -EPIPE;
}

/* What the client measured over the timed window. */
struct net_client_result {
	uint64_t msgs, bytes;
	double seconds;
	struct hist *lat;       /* owned by the caller */
	double user_s, sys_s;   /* the client thread's CPU */
	double self_user_s, self_sys_s; /* the whole process's CPU (client + servers) */
	uint64_t late_sends;    /* open loop: sends that left after their intended time + 1 ms */
	int err;
	char errmsg[160];
};

/* Runs the load generator on the client ends fds[0..conns) (non-blocking)
 * for job->warmup + job->duration seconds. */
void net_client_run(const struct net_job *job, const int *fds, int client_cpu, struct net_client_result *r);

int net_main(int argc, char **argv);

#endif
