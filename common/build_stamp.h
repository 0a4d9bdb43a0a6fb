/* build_stamp.h - what a program was built from, fixed at build time.
 *
 * The git revision is taken when the program is built (common/build_stamp.cmake
 * runs `git describe --always --dirty` on every build and rewrites the
 * generated file only when the answer changes), so a binary reports the
 * source it was built from, not whatever the tree holds when it runs. */
#ifndef URT_COMMON_BUILD_STAMP_H
#define URT_COMMON_BUILD_STAMP_H

#include <stdio.h>

/* The project version of the build (CMake's project(VERSION)), "0.1.0". */
const char *build_stamp_version(void);
/* `git describe --always --dirty` of the source tree at build time, or
 * "unknown" when it was not built from a git checkout. */
const char *build_stamp_git(void);
/* CMAKE_BUILD_TYPE of the build ("Release", "Debug", ...). */
const char *build_stamp_build_type(void);

/* Prints the --version text: "<prog> <version>" on the first line (the
 * form help2man reads), then the git revision and build type, then
 * lib_version (the urt library actually loaded, urt_version()) when not NULL. */
void build_stamp_print_version(FILE *f, const char *prog, const char *lib_version);

#endif
