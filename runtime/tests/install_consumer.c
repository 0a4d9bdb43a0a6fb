/* Built against the installed library with `pkg-config --cflags --libs urt`: the public header and library work outside the tree. */
#include <urt.h>

#include <stdio.h>

static int nops;

static void task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 1000; i++)
		if (urt_nop() == 0)
			nops++;
}

int main(void)
{
	struct urt *rt;
	if (urt_create(&rt, NULL) < 0)
		return 1;
	urt_spawn(rt, task, NULL);
	int ret = urt_run(rt);
	urt_destroy(rt);
	printf("installed liburt: %d nops, run %d\n", nops, ret);
	return ret == 0 && nops == 1000 ? 0 : 1;
}
