/* The parts of the build stamp that do not change between builds; the
 * revision itself is in the generated build_stamp_gen.c. */
#include "build_stamp.h"

extern const char build_stamp__git[];
extern const char build_stamp__version[];
extern const char build_stamp__build_type[];

const char *build_stamp_version(void)
{
	return build_stamp__version;
}

const char *build_stamp_git(void)
{
	return build_stamp__git;
}

const char *build_stamp_build_type(void)
{
	return build_stamp__build_type;
}

void build_stamp_print_version(FILE *f, const char *prog, const char *lib_version)
{
	fprintf(f, "%s %s\n", prog, build_stamp__version);
	fprintf(f, "git revision %s, %s build\n", build_stamp__git,
		build_stamp__build_type[0] ? build_stamp__build_type : "default");
	if (lib_version)
		fprintf(f, "liburt %s\n", lib_version);
}
