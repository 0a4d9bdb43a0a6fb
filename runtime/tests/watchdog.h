/*
 * watchdog.h - bounds a test in time from the inside: a test that hangs
 * fails with a message naming what hung instead of waiting for ctest's
 * timeout.  SIGALRM is used, so tests that install their own SIGALRM
 * handler do not use this.
 */
#ifndef URT_TEST_WATCHDOG_H
#define URT_TEST_WATCHDOG_H

#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char *watchdog_what = "test";

static void watchdog_fire(int sig)
{
	(void)sig;
	static const char pre[] = "watchdog: hung: ";
	(void)!write(2, pre, sizeof pre - 1);
	(void)!write(2, watchdog_what, strlen(watchdog_what));
	(void)!write(2, "\n", 1);
	_exit(1);
}

static inline void watchdog(unsigned seconds, const char *what)
{
	watchdog_what = what;
	signal(SIGALRM, watchdog_fire);
	alarm(seconds);
}

#endif
