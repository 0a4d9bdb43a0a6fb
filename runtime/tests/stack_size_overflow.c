/* A stack_size whose page rounding or mapping size would overflow (SIZE_MAX, near it, > 1 GiB) is -EINVAL at urt_create; the largest allowed one gives a task that really has that much stack. */
#include "check.h"
#include <urt.h>

static void deep(void *arg)
{
	/* 32 KiB of stack, touched from the top down: a 4 KiB stack (the old
	 * wrapped size) would hit the guard page. */
	volatile char big[32 * 1024];
	for (size_t i = sizeof big; i-- > 0;)
		big[i] = (char)i;
	*(int *)arg = big[100] + 1;
}

int main(void)
{
	size_t bad[] = { SIZE_MAX, SIZE_MAX - 4095, SIZE_MAX - 65536, SIZE_MAX / 2 + 1, (size_t)1 << 40,
			 ((size_t)1 << 30) + 1 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct urt *rt = (struct urt *)1;
		struct urt_config cfg = { .stack_size = bad[i] };
		int r = check_create(&rt, &cfg);
		if (r != -EINVAL)
			fprintf(stderr, "stack_size %zu: urt_create gave %d\n", bad[i], r);
		CHECK_EQ(r, -EINVAL);
		CHECK(rt == NULL);
	}
	/* The bound itself (1 GiB) works: the mapping is reserved lazily. */
	struct urt *rt;
	struct urt_config cfg = { .stack_size = (size_t)1 << 30 };
	CHECK_EQ(check_create(&rt, &cfg), 0);
	int out = 0;
	CHECK_EQ(urt_spawn(rt, deep, &out), 0);
	CHECK_EQ(urt_run(rt), 0);
	CHECK_EQ(out, 101);
	urt_destroy(rt);
	return 0;
}
