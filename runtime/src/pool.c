/*
 * pool.c - operation records for futures: no malloc on the hot path (slabs
 * of URT__SLAB_OPS grow on demand and live until urt_destroy), and the
 * handles that name them.
 *
 * A future's handle is not the record's address but its pool index plus a
 * generation that urt__op_free bumps.  A handle kept after urt_await
 * released it therefore no longer matches, even once its record serves a new
 * future: every call taking a future looks it up and answers -EINVAL instead
 * of touching someone else's operation.  On 64-bit the handle carries 32
 * bits of generation (a stale handle aliases after 2^32 reuses of the same
 * record); generations start at a per-runtime value so that a handle given
 * to another runtime is rejected too (with the same odds).
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#define ID_MASK URT__HANDLE_ID_MASK

static int pool_grow(struct urt *rt)
{
	if (URT__FAULT(rt, URT_FAULT_ALLOC, ENOMEM))
		return -ENOMEM;
	if ((uint64_t)(rt->nslabs + 1) * URT__SLAB_OPS >= ID_MASK)
		return -ENOMEM; /* ids would not fit the handle */
	int saved = errno; /* malloc sets it on failure; we never change it */
	if (rt->nslabs == rt->slab_cap) {
		unsigned cap = rt->slab_cap ? rt->slab_cap * 2 : 8;
		struct urt__op_slab **t = realloc(rt->slab_table, cap * sizeof(*t));
		if (!t) {
			errno = saved;
			return -ENOMEM;
		}
		rt->slab_table = t;
		rt->slab_cap = cap;
	}
	struct urt__op_slab *slab = malloc(sizeof(*slab) + URT__SLAB_OPS * sizeof(struct urt__op));
	errno = saved;
	if (!slab)
		return -ENOMEM;
	unsigned base = rt->nslabs * URT__SLAB_OPS;
	rt->slab_table[rt->nslabs++] = slab;
	slab->next = rt->slabs;
	rt->slabs = slab;
	/* Generations start somewhere new for every slab: from the runtime's
	 * address and a process-wide count, because malloc hands a destroyed
	 * runtime's address to the next one, and a stale handle from the first
	 * must not match a live future of the second. */
	static uint32_t slabs_made;
	uint32_t nth = __atomic_add_fetch(&slabs_made, 1, __ATOMIC_RELAXED);
	uint32_t gen0 = (uint32_t)(((uintptr_t)rt >> 4) * 2654435761u) ^ (nth * 0x9e3779b9u);
	/* Pushed in reverse so the free list hands out ascending ids. */
	for (unsigned i = URT__SLAB_OPS; i-- > 0;) {
		struct urt__op *op = &slab->ops[i];
		op->state = URT__OP_FREE;
		op->id = base + i;
		op->gen = gen0 ^ (base + i);
		op->mark = 0;
		op->next = rt->free_ops;
		rt->free_ops = op;
	}
	return 0;
}

/* urt__op_alloc's slow path (internal.h): grow, then take the first free record. */
struct urt__op *urt__op_alloc_grow(struct urt *rt)
{
	if (pool_grow(rt) < 0)
		return NULL;
	struct urt__op *op = rt->free_ops;
	rt->free_ops = op->next;
	return op;
}

void urt__ops_mark_filled(struct urt *rt)
{
	if (!URT__ON_VALGRIND())
		return;
	for (unsigned i = 0; i < rt->nslabs; i++)
		for (unsigned j = 0; j < URT__SLAB_OPS; j++)
			if (rt->slab_table[i]->ops[j].state == URT__OP_DONE)
				urt__op_filled(&rt->slab_table[i]->ops[j]);
}

void urt__ops_free_all(struct urt *rt)
{
	while (rt->slabs) {
		struct urt__op_slab *s = rt->slabs;
		rt->slabs = s->next;
		free(s);
	}
	free(rt->slab_table);
	rt->slab_table = NULL;
	rt->nslabs = rt->slab_cap = 0;
	rt->free_ops = NULL;
}
