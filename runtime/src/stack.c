/*
 * stack.c - task stacks: guard page | stack | task record, carved one after
 * another out of larger mappings (slabs).  Finished tasks are cached for
 * reuse, so a steady stream of short tasks costs no system call.
 *
 * The guard page is installed with madvise(MADV_GUARD_INSTALL) (Linux
 * 6.13+): a marker in the page tables that faults on any access, which
 * leaves the mapping's flags alone.  A slab then stays one kernel mapping
 * (VMA) however many stacks it holds, and adjacent slabs merge, so the
 * number of tasks is not bounded by vm.max_map_count (65530 by default).
 * A PROT_NONE guard (mprotect) splits the mapping around itself: two
 * mappings per stack, about 32 000 stacks at that default.  mprotect is
 * still the fallback where the kernel refuses the madvise (EINVAL: an
 * older kernel, or a locked mapping under mlockall(MCL_FUTURE)).
 *
 * The cache has no fixed limit: a stack is carved only when the cache is
 * empty, so live plus cached stacks never exceed the most tasks ever alive
 * at once (the high-water mark), and a burst of 10 000 live tasks followed
 * by churn carves 10 000 stacks once.  Unmapping a finished task's stack
 * instead (about 76 us here, mostly TLB-flush IPIs) made a churn with more
 * tasks alive than a fixed cache held cost a system call per task.  Memory
 * goes back to the OS lazily, off the hot path and in bulk: when the loop
 * is about to wait in the kernel anyway, stacks that stayed unused in the
 * cache for a whole epoch (at least URT__TRIM_EPOCH_NS) are sorted by
 * address and unmapped with one munmap per run of adjacent stacks, a run
 * only when it spans at least a slab (a shorter one would split a slab's
 * mapping around the stacks still in use: see unmap_list).  urt_destroy
 * unmaps live and cached stacks together, in whole slabs.
 */
#include "internal.h"
#include "sanitizer.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* uapi value since Linux 6.13; older headers lack it */
#endif

/* A cached stack is unmapped only after staying unused this long. */
#define URT__TRIM_EPOCH_NS (1000ull * 1000 * 1000)

/* Address space reserved per slab (MAP_NORESERVE: untouched pages cost
 * neither memory nor commit charge, except under vm.overcommit_memory=2).
 * 4 MiB is 170 stacks of 16 KiB or 15 of the default 256 KiB; a stack
 * larger than a slab gets a slab of its own. */
#define URT__SLAB_BYTES ((size_t)4 << 20)

/* Set once the kernel has refused MADV_GUARD_INSTALL: every later guard is
 * an mprotect.  Process-wide and relaxed: urt_spawn_remote maps from any
 * thread, and a stale 0 only costs one more refused madvise. */
static int guard_madvise_refused;

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
 * One stack's layout: guard page | stack | task record | colour gap (whole
 * pages).  Every stack has the same layout, so without the gap every task
 * record and stack top would sit at the same offset in a page, all in one L1
 * cache set: with more tasks than the cache has ways, each switch would
 * miss.  The gap shifts each task's top by a different multiple of 64 bytes.
 * stack_size is at most URT__MAX_STACK (urt_create checks), so none of the
 * sums below can wrap.
 */
static size_t stride_of(size_t stack_size)
{
	size_t ps = page_size();
	return ps + round_up(round_up(stack_size, ps) + round_up(sizeof(struct urt__task), 64) + 48 * 64, ps);
}

/* Makes the lowest page of [map, map + stride) the guard; 0 or -1 (errno
 * set; the caller restores it). */
static int guard(char *map)
{
	size_t ps = page_size();
	if (!__atomic_load_n(&guard_madvise_refused, __ATOMIC_RELAXED)) {
		if (madvise(map, ps, MADV_GUARD_INSTALL) == 0)
			return 0;
		if (errno == EINVAL)
			__atomic_store_n(&guard_madvise_refused, 1, __ATOMIC_RELAXED);
	}
	/* ENOMEM here usually means vm.max_map_count: this guard splits the mapping. */
	return mprotect(map, ps, PROT_NONE);
}

/* The task record of a guarded stack at map. */
static struct urt__task *task_init(char *map, size_t stride, unsigned colour_index)
{
	size_t record = round_up(sizeof(struct urt__task), 64);
	size_t colour = (size_t)(colour_index % 48) * 64;
	struct urt__task *t = (struct urt__task *)(map + stride - record - colour);
	t->map = map;
	t->map_size = stride;
	t->stack_lo = map + page_size();
	t->stack_size = (size_t)((char *)t - (char *)t->stack_lo);
	t->valgrind_id = URT__VALGRIND_STACK_REGISTER(t->stack_lo, (char *)t->stack_lo + t->stack_size);
	return t;
}

/* A mapping of n stacks, huge pages off (a 2 MiB page per stack top would
 * be 2 MiB of RSS per idle task where THP is "always"); NULL on failure. */
static char *map_stacks(size_t stride, size_t n)
{
	char *map = mmap(NULL, stride * n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	(void)madvise(map, stride * n, MADV_NOHUGEPAGE); /* advice: a kernel without THP refuses it, harmlessly */
	return map;
}

/*
 * Maps one task on its own, for urt_spawn_remote: touches no runtime
 * state, so any thread may call it.  The check keeps the arithmetic safe
 * if a caller changes.
 */
struct urt__task *urt__task_map(size_t stack_size, unsigned colour_index)
{
	if (stack_size == 0 || stack_size > URT__MAX_STACK)
		return NULL;
	size_t stride = stride_of(stack_size);
	int saved = errno; /* mmap/madvise/mprotect set it on failure; we never change it */
	char *map = map_stacks(stride, 1);
	if (map && guard(map) != 0) {
		munmap(map, stride);
		map = NULL;
	}
	errno = saved;
	return map ? task_init(map, stride, colour_index) : NULL;
}

/* The next stack of the runtime's current slab, mapping a new slab when it
 * is used up; NULL when the kernel refuses (the slot stays for a retry).
 * Not inlined: urt__task_alloc's cache hit stays a leaf without its
 * register saves. */
static __attribute__((noinline)) struct urt__task *task_carve(struct urt *rt)
{
	size_t stride = stride_of(rt->stack_size);
	int saved = errno;
	if (rt->stack_slab_left == 0) {
		size_t n = URT__SLAB_BYTES / stride ? URT__SLAB_BYTES / stride : 1;
		char *slab = map_stacks(stride, n);
		if (!slab) {
			errno = saved;
			return NULL;
		}
		rt->stack_slab_next = slab;
		rt->stack_slab_left = (unsigned)n;
	}
	char *map = rt->stack_slab_next;
	int ret = guard(map);
	errno = saved;
	if (ret != 0)
		return NULL;
	rt->stack_slab_next = map + stride;
	rt->stack_slab_left--;
	return task_init(map, stride, rt->stack_colour++);
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
	t = task_carve(rt);
	if (t)
		rt->stats.stacks_mapped++;
	return t;
}

/* What must happen to a stack before its pages go. */
static void task_forget(struct urt__task *t)
{
	URT__VALGRIND_STACK_DEREGISTER(t->valgrind_id);
	/* A task destroyed while suspended leaves ASan's stack poison behind;
	 * clear it so a later mapping at this address starts clean. */
	URT__ASAN_UNPOISON(t->stack_lo, t->stack_size);
}

void urt__task_unmap(struct urt__task *t)
{
	task_forget(t);
	int saved = errno;
	munmap(t->map, t->map_size);
	errno = saved;
}

struct span {
	char *lo;
	size_t len;
	struct urt__task *t;
};

static int span_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct span *)a)->lo, y = (uintptr_t)((const struct span *)b)->lo;
	return (x > y) - (x < y);
}

/*
 * Unmaps the n stacks of a list: sorted by address, one munmap per run of
 * adjacent stacks (stacks carved one after another from a slab are), so
 * giving back a burst's worth costs a few system calls, not one per stack
 * (each munmap pays its TLB-flush IPIs).  Each record lies in the memory
 * being unmapped: its fields are copied out first.
 *
 * A run shorter than min_run bytes is left mapped and its stacks are
 * returned, for the cache to keep: a run from the middle of a slab (its
 * neighbours still in use) cuts the slab's one mapping in two, and stacks
 * finished in an order that alternates with live ones would otherwise add
 * a mapping per stack until vm.max_map_count refuses (the trim passes a
 * slab's size: at most one more mapping per slab's worth given back).
 * urt_destroy passes 0: every stack of the runtime is on its list, so the
 * runs are whole slabs.  A munmap the kernel refuses leaves the run mapped
 * and returned.  Up to SMALL_SPANS ranges are listed on the stack: no
 * malloc for a small runtime (whose allocator would keep the memory, and
 * under ASan a new mapping per size class).  Without memory for a longer
 * list: one munmap per stack at destroy, nothing at a trim.
 */
#define SMALL_SPANS 128
static struct urt__task *unmap_list(struct urt__task *list, unsigned n, size_t min_run, unsigned *unmapped)
{
	int saved = errno;
	struct span small[SMALL_SPANS];
	struct span *v = n <= SMALL_SPANS ? small : malloc((size_t)n * sizeof(*v));
	*unmapped = 0;
	if (!v) {
		if (min_run) {
			errno = saved;
			return list;
		}
		for (struct urt__task *t = list, *next; t; t = next) {
			next = t->next;
			urt__task_unmap(t);
			++*unmapped;
		}
		errno = saved;
		return NULL;
	}
	unsigned k = 0;
	for (struct urt__task *t = list; t; t = t->next) {
		v[k].lo = t->map;
		v[k].len = t->map_size;
		v[k].t = t;
		k++;
	}
	if (v == small) { /* insertion sort: glibc's qsort may malloc too */
		for (unsigned i = 1; i < k; i++) {
			struct span x = v[i];
			unsigned j = i;
			for (; j > 0 && (uintptr_t)v[j - 1].lo > (uintptr_t)x.lo; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
	} else {
		qsort(v, k, sizeof(*v), span_cmp);
	}
	struct urt__task *kept = NULL;
	for (unsigned i = 0; i < k;) {
		unsigned first = i;
		char *lo = v[i].lo, *hi = lo + v[i].len;
		for (i++; i < k && v[i].lo == hi; i++)
			hi += v[i].len;
		bool go = (size_t)(hi - lo) >= min_run;
		if (go) {
			for (unsigned j = first; j < i; j++)
				task_forget(v[j].t);
			if (munmap(lo, (size_t)(hi - lo)) == 0) {
				*unmapped += i - first;
				continue;
			}
		}
		for (unsigned j = first; j < i; j++) {
			struct urt__task *t = v[j].t;
			if (go) /* forgotten for nothing: still mapped */
				t->valgrind_id = URT__VALGRIND_STACK_REGISTER(t->stack_lo,
									      (char *)t->stack_lo + t->stack_size);
			t->next = kept;
			kept = t;
		}
	}
	if (v != small)
		free(v);
	errno = saved;
	return kept;
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
		unsigned drop = rt->cache_low - URT__TASK_CACHE_KEEP;
		unsigned keep = rt->task_cache_len - drop;
		struct urt__task **link = &rt->task_cache;
		for (unsigned i = 0; i < keep; i++)
			link = &(*link)->next;
		struct urt__task *cold = *link;
		size_t stride = stride_of(rt->stack_size);
		size_t per_slab = URT__SLAB_BYTES / stride ? URT__SLAB_BYTES / stride : 1;
		unsigned unmapped;
		*link = unmap_list(cold, drop, per_slab * stride, &unmapped);
		rt->stats.stacks_unmapped += unmapped;
		rt->task_cache_len = keep + (drop - unmapped);
	}
	rt->trim_epoch_ns = now;
	rt->cache_low = rt->task_cache_len;
}

/* urt_destroy: every stack on the cache (urt__tasks_free_all puts the
 * unfinished tasks there first) and the slab's uncarved rest, in bulk
 * (30 000 cached stacks unmapped one by one took 3.6 s here, in bulk 54 ms). */
void urt__task_cache_free(struct urt *rt)
{
	unsigned unmapped;
	(void)unmap_list(rt->task_cache, rt->task_cache_len, 0, &unmapped);
	rt->task_cache = NULL;
	rt->task_cache_len = 0;
	if (rt->stack_slab_left) {
		int saved = errno;
		munmap(rt->stack_slab_next, stride_of(rt->stack_size) * rt->stack_slab_left);
		errno = saved;
		rt->stack_slab_left = 0;
	}
}
