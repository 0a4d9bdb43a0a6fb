/*
 * cell.h - one cell of the fault matrix: a fault point at a probability (and
 * errno) over one workload, run in a forked child under a watchdog, judged
 * by the same rules for every workload.
 */
#ifndef URT_FAULTS_CELL_H
#define URT_FAULTS_CELL_H

#include "workload.h"

struct suite_opts {
	uint64_t seed;
	double scale;
	const char *dir;
	unsigned watchdog; /* seconds per cell before it counts as a hang */
	const char *exe;   /* this program, absolute, for replay commands */
	bool scale_given;  /* --scale/--quick given: replays must repeat it */
};

struct cell_spec {
	enum urt_fault_point point;
	const struct wl_desc *wl;
	double prob;
	int failnum; /* what fiu_fail returns: 1 = the point's own error */
	enum wl_ring ring;
};

enum cell_status { CELL_PASS, CELL_FAIL, CELL_HANG };

struct cell_outcome {
	struct wl_result r;
	uint64_t seed;    /* the cell's own seed, derived from --seed and the cell */
	uint64_t injected; /* faults of the cell's point (urt_create's included) */
	unsigned rounds;   /* workload runs until the point fired (at most CELL_MAX_ROUNDS) */
	double seconds;
	enum cell_status status;
	bool not_exercised; /* failed because no fault was injected: nothing was tested */
	char reason[240];
};

/* A cell runs its workload again, on the next seed, until the point has
 * fired at least once; a cell whose point never fired in this many rounds
 * tested nothing and fails as "not exercised". */
#define CELL_MAX_ROUNDS 64

/* Whether the point can fire in the workload at all (urt/write/short needs
 * writes); the matrix has no cell where it cannot. */
bool cell_point_applies(const struct cell_spec *c);

/* The point fires on every call and the runtime can only give up: the cell
 * checks that the error surfaced instead of checking the data completed. */
bool cell_expects_errors(const struct cell_spec *c);
int cell_run(const struct cell_spec *c, const struct suite_opts *o, struct cell_outcome *out);
/* The running cell's child (its own process group), 0 between cells: what a
 * signal handler must kill. */
extern volatile pid_t cell_child;
/* The one command that replays this cell. */
void cell_replay(const struct cell_spec *c, const struct suite_opts *o, char *buf, size_t size);
/* "urt/submit" -> URT_FAULT_SUBMIT; -1 when unknown. */
int cell_point_by_name(const char *name);
/* Parses "POINT:WORKLOAD:PROB[:FAILNUM[:RING]]"; 0, or -1 with a message in err. */
int cell_parse(const char *s, struct cell_spec *c, char *err, size_t errsize);

#endif
