/*
 * context.h - the one place a CPU context is switched.  Assembly for x86-64
 * and aarch64 (context_<arch>.S), ucontext elsewhere (context_ucontext.c).
 */
#ifndef URT_CONTEXT_H
#define URT_CONTEXT_H

#include <stddef.h>

#ifdef URT_CONTEXT_UCONTEXT
#include <ucontext.h>
struct urt__ctx {
	ucontext_t uc;
};
#else
struct urt__ctx {
	void *sp; /* the saved frame sits at sp; see the layout in the .S file */
};
#endif

/* Saves the current context in *from and resumes *to. */
void urt__ctx_switch(struct urt__ctx *from, struct urt__ctx *to) __attribute__((visibility("hidden")));
/* Prepares *c so that switching to it calls entry(arg) on [stack_lo, stack_lo + size).
 * entry must never return. */
void urt__ctx_make(struct urt__ctx *c, void *stack_lo, size_t size, void (*entry)(void *), void *arg)
	__attribute__((visibility("hidden")));

#endif
