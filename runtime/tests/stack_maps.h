/*
 * stack_maps.h - what the many-task tests need to know about kernel
 * mappings: how many the process has, and whether task stacks cost any
 * (runtime/src/stack.c: a guard installed with MADV_GUARD_INSTALL, Linux
 * 6.13+, leaves a slab of stacks one mapping; an mprotect guard, the
 * fallback, makes each stack two).  The tests never change
 * vm.max_map_count (a system-wide setting, shared with every process).
 */
#ifndef URT_TEST_STACK_MAPS_H
#define URT_TEST_STACK_MAPS_H

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

/* Lines of /proc/self/maps: the process's mappings. */
static inline long stack_maps_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int c;
	while (f && (c = fgetc(f)) != EOF)
		n += c == '\n';
	if (f)
		fclose(f);
	return n;
}

/* Whether this kernel installs guard pages by madvise (as the runtime
 * will), tried on a scratch mapping of our own. */
static inline int stack_maps_guard_madvise(void)
{
	long ps = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, (size_t)ps * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	int ok = madvise(p, (size_t)ps, MADV_GUARD_INSTALL) == 0;
	munmap(p, (size_t)ps * 2);
	return ok;
}

/* How many guarded stacks fit under vm.max_map_count, up to max: all of
 * them when stacks cost no mapping of their own, else two mappings each
 * with room to spare for the runtime and libc.  Fewer than min: skip. */
static inline unsigned stack_maps_tasks_that_fit(unsigned max, unsigned min)
{
	if (stack_maps_guard_madvise())
		return max;
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long limit = -1;
	if (f) {
		if (fscanf(f, "%ld", &limit) != 1)
			limit = -1;
		fclose(f);
	}
	if (limit < 0)
		return max;
	long fit = (limit - stack_maps_count() - 2000) / 2;
	if (fit < (long)min) {
		fprintf(stderr, "skipped: no MADV_GUARD_INSTALL, and vm.max_map_count leaves room for fewer than %u guarded stacks\n", min);
		exit(77);
	}
	return fit < (long)max ? (unsigned)fit : max;
}

#endif
