/*
 * context_ucontext.c - the portable fallback: swapcontext is slower (it
 * saves the signal mask with a system call) but works everywhere glibc does.
 */
#include "context.h"

#include <stdint.h>

void urt__ctx_switch(struct urt__ctx *from, struct urt__ctx *to)
{
	swapcontext(&from->uc, &to->uc);
}

/* makecontext passes int arguments only: split the pointers in two. */
static void ucontext_entry(unsigned fn_hi, unsigned fn_lo, unsigned arg_hi, unsigned arg_lo)
{
	void (*entry)(void *) = (void (*)(void *))(((uintptr_t)fn_hi << 32) | fn_lo);
	void *arg = (void *)(((uintptr_t)arg_hi << 32) | arg_lo);
	entry(arg);
}

void urt__ctx_make(struct urt__ctx *c, void *stack_lo, size_t size, void (*entry)(void *), void *arg)
{
	uint64_t fn = (uint64_t)(uintptr_t)entry, a = (uint64_t)(uintptr_t)arg;
	getcontext(&c->uc);
	c->uc.uc_stack.ss_sp = stack_lo;
	c->uc.uc_stack.ss_size = size;
	c->uc.uc_link = NULL;
	makecontext(&c->uc, (void (*)(void))ucontext_entry, 4, (unsigned)(fn >> 32), (unsigned)fn,
		    (unsigned)(a >> 32), (unsigned)a);
}
