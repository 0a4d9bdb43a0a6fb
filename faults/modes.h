/*
 * modes.h - the driver's modes besides the matrix.
 */
#ifndef URT_FAULTS_MODES_H
#define URT_FAULTS_MODES_H

#include "cell.h"

/* Runs verifying workloads for seconds with the fault points left to the
 * outside (fiu-run, fiu-ctrl); expect: NULL-terminated points that must
 * have fired, or NULL.  Returns the exit status. */
int external_main(const struct suite_opts *so, double seconds, const struct wl_desc *const *wls, unsigned nwl,
		  char **expect);

/* Checks urt/alloc's -ENOMEM paths one by one.  Returns the exit status. */
int alloc_check_main(const struct suite_opts *so);

/* Checks urt_cancel when submission fails.  Returns the exit status. */
int cancel_check_main(const struct suite_opts *so);

/* `urt-faults faultfs ...`: the cells on an urt-faultfs mount (wl_faultfs.c);
 * argv[0] is "faultfs".  Returns the exit status. */
int faultfs_main(int argc, char **argv);

#endif
