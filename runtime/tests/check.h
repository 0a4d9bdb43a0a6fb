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

#endif
