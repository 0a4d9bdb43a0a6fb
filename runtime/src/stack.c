/*
 * stack.c - task stacks: one mmap per task holding a PROT_NONE guard page,
 * the stack, and the task record at the top.  Finished tasks are cached for
 * reuse, so a steady stream of short tasks costs no system call.
 *
 * The cache has no fixed limit: a stack is mapped only when the cache is
 * empty, so live plus cached stacks never exceed the most tasks ever alive
 * at once (the high-water mark), and a burst of 10 000 live tasks followed
 * by churn maps 10 000 stacks once.  Unmapping a finished task's stack
 * instead (about 76 us here, mostly TLB-flush IPIs) made a churn with more
 * tasks alive than a fixed cache held cost a system call per task.  Memory
 * goes back to the OS lazily and off the hot path: when the loop is about
 * to wait in the kernel anyway, stacks that stayed unused in the cache for
 * a whole epoch (at least URT__TRIM_EPOCH_NS) are unmapped together.
 */
#include "internal.h"
#include "sanitizer.h"

#include <errno.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* A cached stack is unmapped only after staying unused this long. */
#define URT__TRIM_EPOCH_NS (1000ull * 1000 * 1000)

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
		if (--rt->task_cache_len < rt->cache_low)
			rt->cache_low = rt->task_cache_len;
		return t;
	}
	if (URT__FAULT(rt, URT_FAULT_ALLOC, ENOMEM))
		return NULL;
	t = urt__task_map(rt->stack_size, rt->stack_colour++);
	if (t)
		rt->stats.stacks_mapped++;
	return t;
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

/* Most recently finished first: its pages are the likeliest still warm. */
void urt__task_release(struct urt *rt, struct urt__task *t)
{
	URT__ASAN_UNPOISON(t->stack_lo, t->stack_size);
	t->next = rt->task_cache;
	rt->task_cache = t;
	rt->task_cache_len++;
}

/*
 * The loop is idle (nothing runnable).  The cache never shrank
 * below cache_low since the epoch began, so its cache_low coldest stacks
 * (the end of the list) were not needed for the whole epoch: unmap those,
 * beyond URT__TASK_CACHE_KEEP, and start a new epoch.  Reads the clock
 * only while the cache holds more than it keeps.
 */
void urt__task_cache_trim(struct urt *rt)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail: errno untouched */
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	if (rt->trim_epoch_ns && now - rt->trim_epoch_ns < URT__TRIM_EPOCH_NS)
		return;
	if (rt->trim_epoch_ns && rt->cache_low > URT__TASK_CACHE_KEEP) {
		unsigned keep = rt->task_cache_len - (rt->cache_low - URT__TASK_CACHE_KEEP);
		struct urt__task **link = &rt->task_cache;
		for (unsigned i = 0; i < keep; i++)
			link = &(*link)->next;
		struct urt__task *t = *link;
		*link = NULL;
		while (t) {
			struct urt__task *next = t->next;
			urt__task_unmap(t);
			rt->stats.stacks_unmapped++;
			rt->task_cache_len--;
			t = next;
		}
	}
	rt->trim_epoch_ns = now;
	rt->cache_low = rt->task_cache_len;
}
