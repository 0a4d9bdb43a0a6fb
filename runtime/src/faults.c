/*
 * faults.c - libfiu fault points.  fiu_fail() takes a lock and a hash
 * lookup (about 35 ns) even when nothing is enabled, so every point first
 * tests urt__faults_armed: disarmed, a point is one predictable branch.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>

#ifdef URT_FAULT_POINTS
#include <fiu.h>
#endif

int urt__faults_armed;

static const char *const fault_names[URT_FAULT_COUNT] = {
	[URT_FAULT_SUBMIT] = "urt/submit",
	[URT_FAULT_GET_SQE] = "urt/get_sqe",
	[URT_FAULT_READ_SHORT] = "urt/read/short",
	[URT_FAULT_WRITE_SHORT] = "urt/write/short",
	[URT_FAULT_OP_EAGAIN] = "urt/op/eagain",
	[URT_FAULT_OP_ERROR] = "urt/op/error",
	[URT_FAULT_ALLOC] = "urt/alloc",
};

const char *urt_fault_name(enum urt_fault_point p)
{
	return (unsigned)p < URT_FAULT_COUNT ? fault_names[p] : NULL;
}

#ifdef URT_FAULT_POINTS
int urt__fault_fire(struct urt *rt, enum urt_fault_point p, int default_errno)
{
	int failnum = fiu_fail(fault_names[p]);
	if (!failnum)
		return 0;
	if (rt)
		rt->stats.faults[p]++;
	/* failnum 1 is libfiu's default: it means "the point's own error". */
	return failnum == 1 ? default_errno : abs(failnum);
}

void urt__faults_arm_from_env(void)
{
	/* fiu-run passes its enable list and control FIFO through these. */
	if (getenv("FIU_ENABLE") || getenv("FIU_CTRL_FIFO"))
		__atomic_store_n(&urt__faults_armed, 1, __ATOMIC_RELAXED);
}

int urt_faults_arm(int on)
{
	return __atomic_exchange_n(&urt__faults_armed, on ? 1 : 0, __ATOMIC_RELAXED);
}
#else
int urt__fault_fire(struct urt *rt, enum urt_fault_point p, int default_errno)
{
	(void)rt, (void)p, (void)default_errno;
	return 0;
}

void urt__faults_arm_from_env(void)
{
}

int urt_faults_arm(int on)
{
	(void)on;
	return -ENOTSUP;
}
#endif
