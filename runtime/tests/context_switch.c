/* The context switch alone (no io_uring): values held in callee-saved integer and floating-point registers survive thousands of switches between two fibers and the main context.  Built natively and, for aarch64, cross-compiled and run under qemu. */
#include "context.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 10000

static struct urt__ctx main_ctx, fib_ctx[2];
static volatile int turn_count;

/* The computation both the fibers and the reference run: a macro, not a
 * function, so its sixteen values stay in the caller's registers. */
#define STATE_INIT(id)                                                           \
	uint64_t a = 1 + (id), b = 2, c = 3, d = 5, e = 7, f = 11, g = 13, h = 17;   \
	double x = 1.5 + (id), y = 2.25, z = 3.125, w = 0.5, u = 4.0, v = 8.0, p = 0.25, q = 16.0
#define STATE_STEP(i)                                                            \
	do {                                                                     \
		a = a * 3 + b; b ^= c + (i); c += d; d = d * 7 + e; e += f ^ g; f += h; \
		g ^= a; h += b; x = x * 0.5 + y; y = y * 0.75 + z; z = z * 0.25 + w;  \
		w += u * 0.125; u = u * 0.5 + v; v = v * 0.5 + p; p = p * 0.5 + q;    \
		q = q * 0.5 + 1.0;                                               \
	} while (0)
#define STATE_FOLD()                                                                           \
	(a ^ b ^ c ^ d ^ e ^ f ^ g ^ h ^ (uint64_t)(x * 1e6) ^ (uint64_t)(y * 1e6) ^ (uint64_t)(z * 1e6) ^ \
	 (uint64_t)(w * 1e3) ^ (uint64_t)(u * 1e6) ^ (uint64_t)(v * 1e6) ^ (uint64_t)(p * 1e6) ^       \
	 (uint64_t)(q * 1e6))

/* Enough live integers and doubles across each switch that the compiler
 * must keep some in callee-saved registers (rbx, r12-r15 / x19-x28, d8-d15). */
__attribute__((noinline)) static uint64_t work(int id)
{
	STATE_INIT(id);
	for (int i = 0; i < ROUNDS; i++) {
		STATE_STEP(i);
		turn_count++;
		/* fiber 0 -> fiber 1 -> main -> fiber 0 ... */
		urt__ctx_switch(&fib_ctx[id], id == 0 ? &fib_ctx[1] : &main_ctx);
	}
	return STATE_FOLD();
}

static uint64_t result[2];
static int finished;

static void fiber(void *arg)
{
	int id = (int)(intptr_t)arg;
	result[id] = work(id);
	finished++;
	urt__ctx_switch(&fib_ctx[id], &main_ctx);
	abort(); /* never resumed */
}

int main(void)
{
	size_t size = 256 * 1024;
	char *stacks = aligned_alloc(16, 2 * size);
	if (!stacks)
		return 1;
	urt__ctx_make(&fib_ctx[0], stacks, size, fiber, (void *)0);
	urt__ctx_make(&fib_ctx[1], stacks + size, size, fiber, (void *)1);
	/* main drives: each switch to fiber 0 runs one round of both fibers */
	uint64_t main_live = 0x1234567890abcdefull;
	double main_fp = 3.75;
	int main_rounds = 0;
	while (finished < 2) {
		main_rounds++;
		urt__ctx_switch(&main_ctx, finished == 1 ? &fib_ctx[1] : &fib_ctx[0]);
		main_live = main_live * 6364136223846793005ull + 1;
		main_fp = main_fp * 0.5 + 1.0;
	}
	/* references computed directly on this stack */
	uint64_t want[2];
	for (int id = 0; id < 2; id++) {
		STATE_INIT(id);
		for (int i = 0; i < ROUNDS; i++)
			STATE_STEP(i);
		want[id] = STATE_FOLD();
	}
	uint64_t main_want = 0x1234567890abcdefull;
	double fp_want = 3.75;
	for (int i = 0; i < main_rounds; i++) {
		main_want = main_want * 6364136223846793005ull + 1;
		fp_want = fp_want * 0.5 + 1.0;
	}
	int ok = result[0] == want[0] && result[1] == want[1] && main_live == main_want && main_fp == fp_want &&
		 turn_count == 2 * ROUNDS && main_rounds == ROUNDS + 2;
	printf("%d switches: fiber0 %s, fiber1 %s, main %s\n", turn_count * 3 / 2, result[0] == want[0] ? "ok" : "CORRUPT",
	       result[1] == want[1] ? "ok" : "CORRUPT", main_live == main_want && main_fp == fp_want ? "ok" : "CORRUPT");
	free(stacks);
	return ok ? 0 : 1;
}
