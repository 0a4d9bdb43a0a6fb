/*
 * datafile.h - the file the I/O workloads use: created with real pattern
 * data before anything is timed (and removed at exit), or a user's existing
 * file, only ever read.
 */
#ifndef BENCH_DATAFILE_H
#define BENCH_DATAFILE_H

#include <stdbool.h>
#include <stdint.h>

struct datafile {
	char dir[3900];      /* our scratch directory (fio job files live here too) */
	char path[4096];
	bool created;        /* we made the file: we may write it and must remove it */
	bool dir_created;
	uint64_t size;
};

/* Makes the scratch directory under $TMPDIR (or /tmp). */
int datafile_scratch(struct datafile *df);
/* Creates path (O_EXCL: never an existing file) filled with the pattern for
 * seed, or, for an existing file, reads it once so it sits in the page cache.
 * Returns 0 or -errno with a message on stderr. */
int datafile_prepare(struct datafile *df, const char *path, bool existing, uint64_t size, uint64_t seed,
		     bool direct);
/* Opens the file for a job: read-write when we created it, O_DIRECT on request. */
int datafile_open(const struct datafile *df, bool write, bool direct);
/* Removes what we created; safe to call from a signal handler. */
void datafile_cleanup(struct datafile *df);

#endif
