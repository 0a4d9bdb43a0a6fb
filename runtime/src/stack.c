/*
 * stack.c - task stacks: one mmap per task holding a PROT_NONE guard page,
 * the stack, and the task record at the top.  Finished tasks are cached for
 * reuse, so a steady stream of short tasks costs no system call.
 */
#include "internal.h"
#include "sanitizer.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

/* Finished tasks kept mapped for reuse; beyond this they are unmapped. */
#define URT__TASK_CACHE_MAX 1024

static size_t page_size(void)
{
	static size_t ps;
	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

/* n is at most URT__MAX_STACK plus a few pages here: no wrap. */
static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/*
 * Maps a new task: guard page | stack | task record | colour gap (whole
 * pages).  Every mapping has the same layout, so without the gap every task
 * record and stack top would sit at the same offset in a page, all in one L1
 * cache set: with more tasks than the cache has ways, each switch would
 * miss.  The gap shifts each task's top by a different multiple of 64 bytes.
 * Touches no runtime state, so urt_spawn_remote can call it from any thread.
 * stack_size is at most URT__MAX_STACK (urt_create checks), so none of the
 * sums below can wrap; the check here keeps that true if a caller changes.
 */
struct urt__task *urt__task_map(size_t stack_size, unsigned colour_index)
{
	if (stack_size == 0 || stack_size > URT__MAX_STACK)
		return NULL;
	size_t ps = page_size();
	size_t stack = round_up(stack_size, ps);
	size_t record = round_up(sizeof(struct urt__task), 64);
	size_t colour = (size_t)(colour_index % 48) * 64;
	size_t total = ps + round_up(stack + record + 48 * 64, ps);
	int saved = errno; /* mmap/mprotect set it on failure; we never change it */
	char *map = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED) {
		errno = saved;
		return NULL;
	}
	if (mprotect(map, ps, PROT_NONE) != 0) {
		/* ENOMEM here usually means vm.max_map_count: each guarded stack is two mappings. */
		munmap(map, total);
		errno = saved;
		return NULL;
	}
	struct urt__task *t = (struct urt__task *)(map + total - record - colour);
	t->map = map;
	t->map_size = total;
	t->stack_lo = map + ps;
	t->stack_size = (size_t)((char *)t - (map + ps));
	t->valgrind_id = URT__VALGRIND_STACK_REGISTER(t->stack_lo, (char *)t->stack_lo + t->stack_size);
	return t;
}

struct urt__task *urt__task_alloc(struct urt *rt)
{
	struct urt__task *t = rt->task_cache;
	if (t) {
		rt->task_cache = t->next;
		rt->task_cache_len--;
		return t;
	}
	if (URT__FAULT(rt, URT_FAULT_ALLOC, ENOMEM))
		return NULL;
	return urt__task_map(rt->stack_size, rt->stack_colour++);
}

void urt__task_unmap(struct urt__task *t)
{
	URT__VALGRIND_STACK_DEREGISTER(t->valgrind_id);
	/* A task destroyed while suspended leaves ASan's stack poison behind;
	 * clear it so a later mapping at this address starts clean. */
	URT__ASAN_UNPOISON(t->stack_lo, t->stack_size);
	int saved = errno;
	munmap(t->map, t->map_size);
	errno = saved;
}

void urt__task_release(struct urt *rt, struct urt__task *t)
{
	if (rt->task_cache_len >= URT__TASK_CACHE_MAX) {
		urt__task_unmap(t);
		return;
	}
	URT__ASAN_UNPOISON(t->stack_lo, t->stack_size);
	t->next = rt->task_cache;
	rt->task_cache = t;
	rt->task_cache_len++;
}
