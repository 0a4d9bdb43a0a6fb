/*
 * context_asm.c - builds the first frame of a new fiber for the assembly
 * switch; the frame layouts are drawn in context_<arch>.S.
 */
#include "context.h"

#include <stdint.h>
#include <string.h>

void urt__ctx_trampoline(void) __attribute__((visibility("hidden")));

void urt__ctx_make(struct urt__ctx *c, void *stack_lo, size_t size, void (*entry)(void *), void *arg)
{
	uintptr_t top = ((uintptr_t)stack_lo + size) & ~(uintptr_t)15;
#if defined(__x86_64__)
	/* The return-address slot sits at top - 8 so that after `ret` pops it
	 * rsp == top, 16-byte aligned, as the trampoline's call expects; the
	 * control words sit below the frame, in its red zone. */
	uint64_t *frame = (uint64_t *)(top - 56);
	uint32_t mxcsr;
	uint16_t fpucw;
	/* A new fiber starts with the creating thread's FP control state. */
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fpucw));
	memset((char *)frame - 8, 0, 64);
	memcpy((char *)frame - 8, &mxcsr, 4);
	memcpy((char *)frame - 4, &fpucw, 2);
	frame[3] = (uint64_t)(uintptr_t)entry; /* r12 */
	frame[4] = (uint64_t)(uintptr_t)arg;   /* rbx */
	frame[5] = 0;                          /* rbp: ends frame-pointer walks */
	frame[6] = (uint64_t)(uintptr_t)urt__ctx_trampoline;
	c->sp = frame;
#elif defined(__aarch64__)
	uint64_t *frame = (uint64_t *)(top - 160);
	memset(frame, 0, 160);
	frame[0] = (uint64_t)(uintptr_t)arg;   /* x19 */
	frame[1] = (uint64_t)(uintptr_t)entry; /* x20 */
	frame[10] = 0;                          /* x29 */
	frame[11] = (uint64_t)(uintptr_t)urt__ctx_trampoline; /* x30 */
	c->sp = frame;
#else
#error "no assembly context switch for this architecture: configure with -DURT_CONTEXT=ucontext"
#endif
}
