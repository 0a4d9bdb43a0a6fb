/*
 * Review reproducer (review2): the x86-64 switch keeps MXCSR and the x87
 * control word in the red zone below the saved sp.  Each task runs with its
 * own rounding mode (fesetround sets both words) and its own x87 precision,
 * and yields or blocks (urt_nop) thousands of times while a 20 kHz
 * SIGALRM storm lands anywhere, including inside urt__ctx_switch, once
 * with the handler on the interrupted stack and once on a sigaltstack.
 * The handler dirties a large stack frame.  After every switch back each
 * task checks that its words are its own.  Also checks the ABI alignment
 * at a task's entry (rsp % 16 == 8: frame pointer % 16 == 0) and formats
 * doubles and a long double (movaps in printf's prologue).
 */
#define _GNU_SOURCE
#include "check.h"
#include <urt.h>

#include <fenv.h>
#include <fpu_control.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <xmmintrin.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

static volatile sig_atomic_t hits;

static void on_alarm(int sig)
{
	(void)sig;
	/* Writes well below the interrupted sp: if the kernel did not skip
	 * the red zone, or a frame landed on a suspended fiber, this would
	 * overwrite saved control words. */
	volatile char junk[512];
	for (unsigned i = 0; i < sizeof junk; i++)
		junk[i] = (char)0xa5;
	/* A handler that changes the FP environment: the kernel restores
	 * the interrupted one at sigreturn. */
	_mm_setcsr(0x1f80 | 0x6000);
	hits++;
}

struct arg {
	int mode;
	fpu_control_t prec; /* x87 precision control */
	unsigned mx_extra;  /* MXCSR bits fesetround leaves alone (FTZ, DAZ) */
};

static __attribute__((noinline)) uintptr_t frame_addr(void)
{
	return (uintptr_t)__builtin_frame_address(0);
}

static void task(void *p)
{
	struct arg *a = p;
	/* With the frame pointer kept (the tests' flags), a correctly aligned
	 * entry pushes rbp at rsp - 8 = 16-byte aligned. */
	CHECK_EQ(frame_addr() & 15, 0);
	char buf[128];
	long double ld = 1.0L / 3.0L;
	snprintf(buf, sizeof buf, "%f %g %Lf", 1.0 / 3.0, 2.5, ld);
	CHECK(buf[0] == '0');
	CHECK_EQ(fesetround(a->mode), 0);
	fpu_control_t cw;
	_FPU_GETCW(cw);
	/* Valgrind runs the x87 at one precision whatever the word says. */
	if (!RUNNING_ON_VALGRIND)
		cw = (fpu_control_t)((cw & ~_FPU_EXTENDED) | a->prec);
	_FPU_SETCW(cw);
	if (!RUNNING_ON_VALGRIND)
		_mm_setcsr(_mm_getcsr() | a->mx_extra);
	unsigned mx = _mm_getcsr();
	for (int i = 0; i < (getenv("URT_TEST_SMALL") ? 3000 : 30000); i++) {
		if (i & 1)
			urt_yield();
		else
			CHECK_EQ(urt_nop(), 0);
		fpu_control_t now;
		_FPU_GETCW(now);
		if (now != cw || _mm_getcsr() != mx) {
			fprintf(stderr, "task mode %d: cw %#x (want %#x) mxcsr %#x (want %#x) after %d switches\n", a->mode,
				(unsigned)now, (unsigned)cw, _mm_getcsr(), mx, i);
			exit(1);
		}
	}
}

static void run(int altstack)
{
	static char alt[64 * 1024];
	if (altstack) {
		stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
		CHECK_EQ(sigaltstack(&ss, NULL), 0);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART | (altstack ? SA_ONSTACK : 0);
	CHECK_EQ(sigaction(SIGALRM, &sa, NULL), 0);
	struct itimerval it = { { 0, 50 }, { 0, 50 } };
	CHECK_EQ(setitimer(ITIMER_REAL, &it, NULL), 0);

	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	/* Neighbours in the run order differ in one word only (x87 only,
	 * then MXCSR only), so a switch that compares just one of the two
	 * before reloading is caught, not only one that never reloads. */
	static struct arg args[] = {
		{ FE_UPWARD, _FPU_DOUBLE, 0 },      { FE_UPWARD, _FPU_SINGLE, 0 },
		{ FE_DOWNWARD, _FPU_EXTENDED, 0 },  { FE_DOWNWARD, _FPU_EXTENDED, 0x8040 },
		{ FE_TOWARDZERO, _FPU_DOUBLE, 0 },  { FE_TOWARDZERO, _FPU_SINGLE, 0x8040 },
		{ FE_TONEAREST, _FPU_EXTENDED, 0 }, { FE_TONEAREST, _FPU_EXTENDED, 0x8000 },
	};
	for (unsigned i = 0; i < sizeof args / sizeof args[0]; i++)
		CHECK_EQ(urt_spawn(rt, task, &args[i]), 0);
	CHECK_EQ(urt_run(rt), 0);
	urt_destroy(rt);

	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	CHECK_EQ(setitimer(ITIMER_REAL, &off, NULL), 0);
	if (altstack) {
		stack_t ss = { .ss_flags = SS_DISABLE };
		CHECK_EQ(sigaltstack(&ss, NULL), 0);
	}
	CHECK_EQ(fegetround(), FE_TONEAREST);
}

int main(void)
{
	run(0);
	run(1);
	fprintf(stderr, "%d signals\n", (int)hits);
	CHECK(hits > 0);
	return 0;
}
