/*
 * adv.h - the few helpers the adversarial programs share.  These programs
 * are built only against the installed library (urt.h and liburt through
 * pkg-config), as a user outside this repository would build them: nothing
 * here may use the runtime's internals.
 *
 * Exit codes: 0 passed, 1 failed (a message names the check), 77 skipped.
 */
#ifndef URT_ADV_H
#define URT_ADV_H

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urt.h>

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                                 \
		}                                                                                \
	} while (0)

#define CHECK_EQ(a, b)                                                                                 \
	do {                                                                                           \
		long long a_ = (long long)(a), b_ = (long long)(b);                                    \
		if (a_ != b_) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__,   \
				__LINE__, #a, #b, a_, b_);                                             \
			exit(1);                                                               \
		}                                                                                      \
	} while (0)

#define SKIP(...)                                      \
	do {                                           \
		fprintf(stderr, "skipped: " __VA_ARGS__); \
		fprintf(stderr, "\n");                 \
		exit(77);                              \
	} while (0)

static const char *adv_what = "program";

static void adv_watchdog_fire(int sig)
{
	(void)sig;
	static const char pre[] = "watchdog: hung in: ";
	(void)!write(2, pre, sizeof pre - 1);
	(void)!write(2, adv_what, strlen(adv_what));
	(void)!write(2, "\n", 1);
	_exit(1);
}

/* A hang fails with the name of what hung (programs that use SIGALRM
 * themselves rely on the runner's timeout instead). */
static inline void adv_watchdog(unsigned seconds, const char *what)
{
	adv_what = what;
	signal(SIGALRM, adv_watchdog_fire);
	alarm(seconds);
}

/* Runs fn(arg) as the only task of a fresh default runtime; returns urt_run's result. */
static inline int adv_run1(void (*fn)(void *), void *arg)
{
	struct urt *rt;
	CHECK_EQ(urt_create(&rt, NULL), 0);
	CHECK_EQ(urt_spawn(rt, fn, arg), 0);
	int r = urt_run(rt);
	urt_destroy(rt);
	return r;
}

#endif
