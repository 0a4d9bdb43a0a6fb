/*
 * meta.h - describing the machine and build in a report.
 */
#ifndef BENCH_META_H
#define BENCH_META_H

#include <stdbool.h>
#include <stdio.h>

/* Writes `  "meta": {...}` (no trailing comma). */
void meta_write_json(FILE *f, const char *started, int argc, char **argv);
/* Writes `, "vm": ..., "vm_hint": ..., "governor": ..., "clocksource": ...`
 * (null where the system does not say). */
void meta_write_host_context(FILE *f);

#endif
