/* A program built against 0.1 keeps working with this library, and the 0.2
 * size fields do what urt.h says.  Linked against liburt.so (the version
 * nodes exist only there); the 0.1 entry points are reached by name@URT_0.1,
 * as a program linked against 0.1 reaches them.
 *
 * - urt_create@URT_0.1 reads only the 0.1 struct urt_config: a 24-byte
 *   config that ends at an unmapped page works (reading the 0.2 size field
 *   would fault);
 * - urt_get_stats@URT_0.1 writes exactly the 0.1 struct urt_stats (152
 *   bytes), never past it;
 * - urt_create (0.2): size 0 = 0.1 fields only, a too-small size and
 *   non-zero bytes past the known struct are -EINVAL, zero bytes past it
 *   are accepted;
 * - urt_get_stats_sized: refuses a size below 0.1's, zero-fills what the
 *   library does not have, returns how much it filled;
 * - urt_version() is the headers' URT_VERSION_STRING. */
#include "check.h"

#include <urt.h>

#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

int urt_create_0_1(struct urt **rt, const void *cfg);
void urt_get_stats_0_1(const struct urt *rt, void *out);
__asm__(".symver urt_create_0_1, urt_create@URT_0.1");
__asm__(".symver urt_get_stats_0_1, urt_get_stats@URT_0.1");

struct config_0_1 { /* struct urt_config as 0.1 declared it */
	unsigned entries, submit_batch, wait_nr, flags;
	size_t stack_size;
};

static void nops(void *arg)
{
	for (int i = 0; i < 10; i++)
		CHECK_EQ(urt_nop(), 0);
	(void)arg;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *map = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(map != MAP_FAILED);
	CHECK_EQ(mprotect(map + page, (size_t)page, PROT_NONE), 0);

	/* A 0.1 program's config, right before the unmapped page. */
	CHECK_EQ(sizeof(struct config_0_1), 24);
	struct config_0_1 *old = (struct config_0_1 *)(map + page - sizeof(*old));
	memset(old, 0, sizeof(*old));
	old->entries = 8;
	struct urt *rt = NULL;
	CHECK_EQ(urt_create_0_1(&rt, old), 0);
	CHECK_EQ(urt_spawn(rt, nops, NULL), 0);
	CHECK_EQ(urt_run(rt), 0);

	/* The 0.1 stats struct, right before the unmapped page: a write past
	 * 152 bytes would fault. */
	uint64_t *st = (uint64_t *)(map + page - 152);
	memset(st, 0xff, 152);
	urt_get_stats_0_1(rt, st);
	CHECK_EQ(st[offsetof(struct urt_stats, ops_completed) / 8], 10);
	CHECK_EQ(st[offsetof(struct urt_stats, tasks_finished) / 8], 1);

	/* Sized: too small, exact 0.1, and a caller newer than the library. */
	CHECK_EQ(urt_get_stats_sized(rt, (struct urt_stats *)st, 151), -EINVAL);
	CHECK_EQ(urt_get_stats_sized(NULL, (struct urt_stats *)st, 152), -EINVAL);
	CHECK_EQ(urt_get_stats_sized(rt, (struct urt_stats *)st, 152), 152);
	CHECK_EQ(st[offsetof(struct urt_stats, ops_completed) / 8], 10);
	unsigned char big[sizeof(struct urt_stats) + 64];
	memset(big, 0xff, sizeof(big));
	int n = urt_get_stats_sized(rt, (struct urt_stats *)big, sizeof(big));
	CHECK_EQ(n, sizeof(struct urt_stats));
	for (size_t i = sizeof(struct urt_stats); i < sizeof(big); i++)
		CHECK_EQ(big[i], 0);
	struct urt_stats s;
	urt_get_stats(rt, &s); /* the macro: urt_get_stats_sized with sizeof(s) */
	CHECK_EQ(s.ops_completed, 10);
	urt_destroy(rt);

	/* 0.2 config sizes. */
	struct urt_config c = URT_CONFIG_INIT;
	CHECK_EQ(c.size, sizeof(struct urt_config));
	c.entries = 8;
	CHECK_EQ(urt_create(&rt, &c), 0);
	urt_destroy(rt);
	c.size = 0; /* a zeroed size: the 0.1 fields only */
	CHECK_EQ(urt_create(&rt, &c), 0);
	urt_destroy(rt);
	c.size = 8;
	CHECK_EQ(urt_create(&rt, &c), -EINVAL);
	CHECK(rt == NULL);
	struct {
		struct urt_config c;
		unsigned char future[16];
	} newer;
	memset(&newer, 0, sizeof(newer));
	newer.c.entries = 8;
	newer.c.size = sizeof(newer);
	CHECK_EQ(urt_create(&rt, &newer.c), 0); /* unknown but zero: fine */
	urt_destroy(rt);
	newer.future[3] = 1;
	CHECK_EQ(urt_create(&rt, &newer.c), -EINVAL); /* a setting we lack */
	CHECK(rt == NULL);
	/* A bad 0.1 field is still refused through the sized path. */
	c.size = sizeof(c);
	c.flags = 1u << 30;
	CHECK_EQ(urt_create(&rt, &c), -EINVAL);

	CHECK(strcmp(urt_version(), URT_VERSION_STRING) == 0);
	printf("ok: 0.1 entry points read and write only 0.1 structs; library %s\n", urt_version());
	munmap(map, 2 * (size_t)page);
	return 0;
}
