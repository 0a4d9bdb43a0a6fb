/*
 * toolbox_test.c - every toolbox function, the fail paths included: bad
 * numbers, overflow, bad suffixes, empty list items, invalid UTF-8, and
 * publishing onto an existing file.  Exit 0 all passed, 1 a check failed.
 */
#define _GNU_SOURCE
#include "toolbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;

#define CHECK(cond)                                                                   \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "%s:%d: %s: FAILED %s\n", __FILE__, __LINE__, \
				__func__, #cond);                                     \
			failures++;                                                   \
		}                                                                     \
	} while (0)

static void test_parse_u64(void)
{
	uint64_t v = 42;
	CHECK(tb_parse_u64("0", 0, 10, 0, &v) == 0 && v == 0);
	CHECK(tb_parse_u64("18446744073709551615", 0, UINT64_MAX, 0, &v) == 0 && v == UINT64_MAX);
	CHECK(tb_parse_u64("4k", 0, UINT64_MAX, TB_SIZE, &v) == 0 && v == 4096);
	CHECK(tb_parse_u64("64K", 0, UINT64_MAX, TB_SIZE, &v) == 0 && v == 65536);
	CHECK(tb_parse_u64("2m", 0, UINT64_MAX, TB_SIZE, &v) == 0 && v == 2u << 20);
	CHECK(tb_parse_u64("3G", 0, UINT64_MAX, TB_SIZE, &v) == 0 && v == 3ull << 30);
	v = 42;
	/* fail paths; *out stays as it was */
	CHECK(tb_parse_u64("", 0, 10, 0, &v) == -EINVAL);
	CHECK(tb_parse_u64(NULL, 0, 10, 0, &v) == -EINVAL);
	CHECK(tb_parse_u64("-1", 0, UINT64_MAX, 0, &v) == -EINVAL);
	CHECK(tb_parse_u64("+1", 0, 10, 0, &v) == -EINVAL);
	CHECK(tb_parse_u64(" 1", 0, 10, 0, &v) == -EINVAL);
	CHECK(tb_parse_u64("1 ", 0, 10, 0, &v) == -EINVAL);
	CHECK(tb_parse_u64("0x10", 0, 100, 0, &v) == -EINVAL);
	CHECK(tb_parse_u64("12abc", 0, 100, 0, &v) == -EINVAL);
	CHECK(tb_parse_u64("4k", 0, UINT64_MAX, 0, &v) == -EINVAL);     /* suffix where none is allowed */
	CHECK(tb_parse_u64("4t", 0, UINT64_MAX, TB_SIZE, &v) == -EINVAL); /* unknown suffix */
	CHECK(tb_parse_u64("4kk", 0, UINT64_MAX, TB_SIZE, &v) == -EINVAL);
	CHECK(tb_parse_u64("k", 0, UINT64_MAX, TB_SIZE, &v) == -EINVAL);
	CHECK(tb_parse_u64("18446744073709551616", 0, UINT64_MAX, 0, &v) == -ERANGE);
	CHECK(tb_parse_u64("17179869184g", 0, UINT64_MAX, TB_SIZE, &v) == -ERANGE); /* 2^34 G = 2^64 */
	CHECK(tb_parse_u64("11", 0, 10, 0, &v) == -ERANGE);
	CHECK(tb_parse_u64("0", 1, 10, 0, &v) == -ERANGE);
	CHECK(tb_parse_u64("1k", 1, 1000, TB_SIZE, &v) == -ERANGE); /* the range applies after the suffix */
	CHECK(v == 42);
	errno = 1234;
	tb_parse_u64("99999999999999999999999", 0, 10, 0, &v);
	CHECK(errno == 1234); /* never changes errno */
}

static void test_parse_double(void)
{
	double d = 7;
	CHECK(tb_parse_double("0.5", 0, 1, &d) == 0 && d == 0.5);
	CHECK(tb_parse_double("1e-2", 0, 1, &d) == 0 && d == 0.01);
	CHECK(tb_parse_double("86400", 0, 86400, &d) == 0 && d == 86400);
	d = 7;
	CHECK(tb_parse_double("", 0, 1, &d) == -EINVAL);
	CHECK(tb_parse_double(" 1", 0, 1, &d) == -EINVAL);
	CHECK(tb_parse_double("0.5s", 0, 1, &d) == -EINVAL);
	CHECK(tb_parse_double("nan", 0, 1, &d) == -EINVAL);
	CHECK(tb_parse_double("inf", 0, 1e300, &d) == -EINVAL);
	CHECK(tb_parse_double("infinity", 0, 1e300, &d) == -EINVAL);
	CHECK(tb_parse_double("0x1p-4", 0, 1, &d) == -EINVAL);  /* decimal only: no hex floats */
	CHECK(tb_parse_double("0X10", 0, 100, &d) == -EINVAL);
	CHECK(tb_parse_double("NAN(1)", 0, 1, &d) == -EINVAL);
	CHECK(tb_parse_double("+0.5", 0, 1, &d) == 0 && d == 0.5);
	d = 7;
	CHECK(tb_parse_double("1e999", 0, 1e300, &d) == -ERANGE);
	CHECK(tb_parse_double("-0.1", 0, 1, &d) == -ERANGE);
	CHECK(tb_parse_double("1.5", 0, 1, &d) == -ERANGE);
	CHECK(d == 7);
}

static void test_list(void)
{
	struct tb_list l;
	const char *arg = "a,bb,c";
	CHECK(tb_list_split(&l, arg, 4) == 0 && l.n == 3);
	CHECK(l.n == 3 && strcmp(l.item[0], "a") == 0 && strcmp(l.item[1], "bb") == 0 && strcmp(l.item[2], "c") == 0);
	CHECK(strcmp(arg, "a,bb,c") == 0); /* the argument stays whole */
	tb_list_free(&l);
	CHECK(tb_list_split(&l, "one", 1) == 0 && l.n == 1 && strcmp(l.item[0], "one") == 0);
	tb_list_free(&l);
	static const char *const empty[] = { "", ",", "a,", ",a", "a,,b" };
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		CHECK(tb_list_split(&l, empty[i], 8) == -EINVAL);
		tb_list_free(&l);
	}
	CHECK(tb_list_split(&l, "a,b,c", 2) == -E2BIG);
	tb_list_free(&l);
}

/* What tb_json_string writes for s. */
static const char *json(const char *s)
{
	static char out[256];
	FILE *f = fmemopen(out, sizeof(out), "w");
	if (!f)
		return "";
	tb_json_string(f, s);
	fclose(f);
	return out;
}

static void test_json_string(void)
{
	CHECK(strcmp(json(NULL), "null") == 0);
	CHECK(strcmp(json(""), "\"\"") == 0);
	CHECK(strcmp(json("a\"b\\c"), "\"a\\\"b\\\\c\"") == 0);
	CHECK(strcmp(json("l1\nl2"), "\"l1\\nl2\"") == 0);
	CHECK(strcmp(json("\t\x01\x1f"), "\"\\u0009\\u0001\\u001f\"") == 0);
	/* valid UTF-8 of every length goes through unchanged */
	CHECK(strcmp(json("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf"),
		      "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"") == 0);
	/* invalid bytes become U+FFFD, one each, and what follows is kept */
	CHECK(strcmp(json("a\x80z"), "\"a\\ufffdz\"") == 0);             /* stray continuation */
	CHECK(strcmp(json("\xc0\xafx"), "\"\\ufffd\\ufffdx\"") == 0);     /* overlong '/' */
	CHECK(strcmp(json("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"") == 0); /* overlong 3-byte */
	CHECK(strcmp(json("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"") == 0); /* a surrogate */
	CHECK(strcmp(json("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"") == 0); /* > U+10FFFF */
	CHECK(strcmp(json("\xf5\xff"), "\"\\ufffd\\ufffd\"") == 0);
	CHECK(strcmp(json("x\xe2\x82"), "\"x\\ufffd\\ufffd\"") == 0); /* cut off by the end */
	CHECK(strcmp(json("\xe2\x82\n"), "\"\\ufffd\\ufffd\\n\"") == 0); /* cut off by a control byte */
}

static char dir[] = "/tmp/urt-toolbox-test-XXXXXX";

static int read_file(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, size - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Entries in dir other than . and .. */
static int count_entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	if (d)
		closedir(d);
	return n;
}

/* Publishes text to path through a FILE; the commit's result. */
static int publish_text(const char *path, const char *text, unsigned flags)
{
	struct tb_publish p;
	int fd = tb_publish_begin(&p, path, 0666);
	if (fd < 0)
		return fd;
	FILE *f = tb_publish_fdopen(&p);
	if (!f)
		return -ENOMEM;
	fputs(text, f);
	return tb_publish_commit(&p, f, path, flags);
}

static void test_publish(void)
{
	char path[512], buf[64];
	struct stat st;
	snprintf(path, sizeof(path), "%s/out.json", dir);
	mode_t old = umask(022);
	CHECK(publish_text(path, "first", TB_FSYNC) == 0);
	CHECK(read_file(path, buf, sizeof(buf)) == 0 && strcmp(buf, "first") == 0);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644); /* the umask, not mkstemp's 0600 */
	umask(old);
	/* onto an existing file: refused, the old file intact, no temp left */
	CHECK(publish_text(path, "second", 0) == -EEXIST);
	CHECK(read_file(path, buf, sizeof(buf)) == 0 && strcmp(buf, "first") == 0);
	CHECK(count_entries() == 1);
	/* TB_REPLACE replaces it */
	CHECK(publish_text(path, "third", TB_REPLACE) == 0);
	CHECK(read_file(path, buf, sizeof(buf)) == 0 && strcmp(buf, "third") == 0);
	CHECK(count_entries() == 1);
	/* a file that appears between begin and commit is not replaced either */
	char late[512];
	snprintf(late, sizeof(late), "%s/late.json", dir);
	struct tb_publish p;
	int fd = tb_publish_begin(&p, late, 0644);
	CHECK(fd >= 0);
	CHECK(strncmp(p.tmp, late, strlen(late)) == 0 && strstr(p.tmp, ".tmp.") != NULL);
	CHECK(write_file(late, "theirs") == 0);
	CHECK(fd >= 0 && write(fd, "ours", 4) == 4);
	CHECK(tb_publish_commit(&p, NULL, late, TB_FSYNC) == -EEXIST);
	CHECK(read_file(late, buf, sizeof(buf)) == 0 && strcmp(buf, "theirs") == 0);
	CHECK(count_entries() == 2);
	/* discard removes the temporary file */
	char never[512];
	snprintf(never, sizeof(never), "%s/never.json", dir);
	fd = tb_publish_begin(&p, never, 0644);
	CHECK(fd >= 0 && count_entries() == 3);
	tb_publish_discard(&p);
	if (fd >= 0)
		close(fd);
	CHECK(count_entries() == 2 && access(never, F_OK) != 0);
	/* a write that fails with ENOSPC (the temporary file's fd swapped for
	 * /dev/full): the commit says ENOSPC, not a generic EIO, and the
	 * temporary file goes */
	char full[512];
	snprintf(full, sizeof(full), "%s/full.json", dir);
	fd = tb_publish_begin(&p, full, 0644);
	int devfull = open("/dev/full", O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && devfull >= 0 && dup2(devfull, fd) == fd);
	if (devfull >= 0)
		close(devfull);
	FILE *ff = fd >= 0 ? tb_publish_fdopen(&p) : NULL;
	CHECK(ff != NULL);
	if (ff) {
		fputs("no room", ff);
		CHECK(tb_publish_commit(&p, ff, full, 0) == -ENOSPC);
	}
	CHECK(count_entries() == 2 && access(full, F_OK) != 0);
	/* a directory that does not exist, a name too long */
	char nodir[512];
	snprintf(nodir, sizeof(nodir), "%s/no/such/dir.json", dir);
	CHECK(publish_text(nodir, "x", 0) == -ENOENT);
	char lng[4300];
	memset(lng, 'a', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	CHECK(tb_publish_begin(&p, lng, 0644) == -ENAMETOOLONG);
	/* A name of NAME_MAX bytes is valid though NAME.tmp.XXXXXX is not:
	 * a short temporary name in the same directory; one byte more is not. */
	char name_max[600];
	int nl = snprintf(name_max, sizeof(name_max), "%s/", dir);
	memset(name_max + nl, 'n', NAME_MAX);
	name_max[nl + NAME_MAX] = '\0';
	CHECK(publish_text(name_max, "x", 0) == 0 && access(name_max, F_OK) == 0);
	unlink(name_max);
	CHECK(count_entries() == 2); /* no temporary file left */
	strcat(name_max, "n");
	CHECK(tb_publish_begin(&p, name_max, 0644) == -ENAMETOOLONG);
	unlink(path);
	unlink(late);
}

int main(void)
{
	test_parse_u64();
	test_parse_double();
	test_list();
	test_json_string();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_publish();
	CHECK(count_entries() == 0);
	rmdir(dir);
	if (failures) {
		fprintf(stderr, "toolbox: %d checks failed\n", failures);
		return 1;
	}
	puts("toolbox: all checks passed");
	return 0;
}
