/*
 * check.h - the assertions every runtime test uses: on failure, print where
 * and what, and exit 1.  Exit 77 means "skipped" (ctest SKIP_RETURN_CODE).
 */
#ifndef URT_TEST_CHECK_H
#define URT_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#define CHECK(cond)                                                                    \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
			exit(1);                                                       \
		}                                                                      \
	} while (0)

/* a == b for integers, printing both values on failure. */
#define CHECK_EQ(a, b)                                                                         \
	do {                                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);                            \
		if (a_ != b_) {                                                                \
			fprintf(stderr, "%s:%d: check failed: %s == %s (%lld != %lld)\n", __FILE__, \
				__LINE__, #a, #b, a_, b_);                                     \
			exit(1);                                                               \
		}                                                                              \
	} while (0)

#define SKIP(why)                                         \
	do {                                              \
		fprintf(stderr, "skipped: %s\n", why);    \
		exit(77);                                 \
	} while (0)

/*
 * check_create - urt_create for tests, with the ring options of the option
 * matrix laid over the test's own: URT_TEST_RING is a comma-separated list of
 * sqpoll, coop, defer, batch=N, wait=N, entries=N, fixed (ctest runs every
 * test under each combination).  `fixed` registers nothing here: the I/O
 * tests pass their fds to check_maybe_register, which registers them then.  A test whose own config sets a field keeps it
 * unless the matrix names that field.  Returns urt_create's result; under
 * the matrix, -EOPNOTSUPP (options the kernel lacks) exits 77 (skipped).
 */
#include <urt.h>
#include <unistd.h>

static int check_fixed_files; /* URT_TEST_RING names `fixed` */

static inline int check_create(struct urt **rt, const struct urt_config *base)
{
	struct urt_config c;
	memset(&c, 0, sizeof c);
	if (base)
		c = *base;
	const char *env = getenv("URT_TEST_RING");
	if (env && *env) {
		char buf[256];
		snprintf(buf, sizeof buf, "%s", env);
		for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			unsigned long v = 0;
			if (!strcmp(tok, "sqpoll"))
				c.flags |= URT_SQPOLL;
			else if (!strcmp(tok, "coop"))
				c.flags |= URT_COOP_TASKRUN;
			else if (!strcmp(tok, "defer"))
				c.flags |= URT_DEFER_TASKRUN;
			else if (!strcmp(tok, "fixed"))
				check_fixed_files = 1;
			else if (sscanf(tok, "batch=%lu", &v) == 1)
				c.submit_batch = (unsigned)v;
			else if (sscanf(tok, "wait=%lu", &v) == 1)
				c.wait_nr = (unsigned)v;
			else if (sscanf(tok, "entries=%lu", &v) == 1)
				c.entries = (unsigned)v;
			else {
				fprintf(stderr, "URT_TEST_RING: unknown option '%s'\n", tok);
				exit(2);
			}
		}
	}
	int ret = urt_create(rt, &c);
	/* A matrix cell whose options this kernel cannot honour is skipped,
	 * never passed: urt_create promises -EOPNOTSUPP for exactly that. */
	if (ret == -EOPNOTSUPP && env && *env) {
		fprintf(stderr, "skipped: URT_TEST_RING=%s not supported by this kernel\n", env);
		exit(77);
	}
	return ret;
}

/* Registers the test's fds with the ring when the matrix asks for
 * registered files (`fixed`); otherwise does nothing.  A later call
 * replaces the set.  Returns 0 or urt_register_files' error. */
static inline int check_maybe_register(struct urt *rt, const int *fds, unsigned n)
{
	return check_fixed_files ? urt_register_files(rt, fds, n) : 0;
}

/* close(2) for tests that may run with registered files: urt.h requires
 * urt_unregister_file first (from a task of the runtime, or its thread),
 * or the number keeps reaching the old file. */
static inline int check_close(int fd)
{
	if (check_fixed_files && urt_current()) {
		int r = urt_unregister_file(urt_current(), fd);
		if (r < 0 && r != -EBADF) { /* -EBADF: that fd was not registered */
			fprintf(stderr, "urt_unregister_file(%d) = %d\n", fd, r);
			exit(1);
		}
	}
	return close(fd);
}

#endif
