/* Floating-point state survives context switches: each task keeps its own rounding mode, and FP registers hold values across yields. */
#include "check.h"
#include <urt.h>

#include <fenv.h>
#include <math.h>

static volatile double one = 1.0, three = 3.0;

static void task(void *arg)
{
	int mode = (int)(uintptr_t)arg;
	CHECK_EQ(fesetround(mode), 0);
	double acc = 0.5;
	for (int i = 0; i < 50; i++) {
		double before = one / three; /* depends on the rounding mode */
		acc = acc * 1.0000001 + before;
		urt_yield(); /* another task runs with another mode */
		CHECK_EQ(fegetround(), mode);
		double after = one / three;
		CHECK(before == after);
	}
	CHECK(acc > 16.0 && acc < 17.5);
	/* the two directed modes really round differently */
	fesetround(FE_UPWARD);
	double up = one / three;
	fesetround(FE_DOWNWARD);
	double down = one / three;
	if (!(up > down))
		fprintf(stderr, "mode %d: up %.20g down %.20g\n", mode, up, down);
	CHECK(up > down);
	fesetround(mode);
}

int main(void)
{
	struct urt *rt;
	CHECK_EQ(check_create(&rt, NULL), 0);
	int modes[] = { FE_TONEAREST, FE_UPWARD, FE_DOWNWARD, FE_TOWARDZERO };
	for (int i = 0; i < 4; i++)
		CHECK_EQ(urt_spawn(rt, task, (void *)(uintptr_t)modes[i]), 0);
	CHECK_EQ(urt_run(rt), 0);
	/* the scheduler's own mode is untouched */
	CHECK_EQ(fegetround(), FE_TONEAREST);
	urt_destroy(rt);
	return 0;
}
