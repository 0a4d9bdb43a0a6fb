/*
 * meta.c - the "meta" object of a report: what machine, kernel, library,
 * source and build produced the numbers, so two reports can be compared
 * knowingly.
 */
#define _GNU_SOURCE
#include "meta.h"
#include "build_stamp.h"
#include "build_info.h"
#include "toolbox.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef BENCH_LIBURING_VERSION
#define BENCH_LIBURING_VERSION "unknown"
#endif
#ifndef BENCH_BUILD_TYPE
#define BENCH_BUILD_TYPE "unknown"
#endif
#ifndef BENCH_C_FLAGS
#define BENCH_C_FLAGS ""
#endif

static void cpu_model(char *out, size_t len)
{
	snprintf(out, len, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) == 0 || strncmp(line, "Model", 5) == 0) {
			char *colon = strchr(line, ':');
			if (colon) {
				colon += colon[1] == ' ' ? 2 : 1;
				colon[strcspn(colon, "\n")] = '\0';
				snprintf(out, len, "%s", colon);
				break;
			}
		}
	}
	fclose(f);
}

/* The first line of a small system file, or false. */
static bool read_line(const char *path, char *out, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ok = fgets(out, (int)len, f) != NULL;
	fclose(f);
	if (ok)
		out[strcspn(out, "\n")] = '\0';
	return ok && *out;
}

/* A VM shows the "hypervisor" CPU flag; DMI names the hypervisor's vendor. */
static int hypervisor_flag(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return -1;
	char line[4096];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, "flags", 5) == 0 && strstr(line, " hypervisor"))
			found = 1;
	fclose(f);
	return found;
}

void meta_write_host_context(FILE *f)
{
	char buf[256], vendor[256], hint[520]; /* vendor " / " product fits */
	int vm = hypervisor_flag();
	fputs(", \"vm\": ", f);
	fputs(vm < 0 ? "null" : vm ? "true" : "false", f);
	bool have_vendor = read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	bool have_product = read_line("/sys/class/dmi/id/product_name", buf, sizeof(buf));
	snprintf(hint, sizeof(hint), "%s%s%s", have_vendor ? vendor : "", have_vendor && have_product ? " / " : "",
		 have_product ? buf : "");
	fputs(", \"vm_hint\": ", f);
	tb_json_string(f, have_vendor || have_product ? hint : NULL);
	fputs(", \"governor\": ", f);
	tb_json_string(f, read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf, sizeof(buf))
				      ? buf
				      : NULL);
	fputs(", \"clocksource\": ", f);
	tb_json_string(f, read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource", buf,
					sizeof(buf))
				      ? buf
				      : NULL);
}

void meta_write_json(FILE *f, const char *started, int argc, char **argv)
{
	struct utsname u;
	uname(&u);
	char cpu[256];
	cpu_model(cpu, sizeof(cpu));
	fputs("  \"meta\": {\n    \"started\": ", f);
	tb_json_string(f, started);
	fputs(",\n    \"host\": ", f);
	tb_json_string(f, u.nodename);
	fputs(",\n    \"kernel\": ", f);
	tb_json_string(f, u.release);
	fputs(",\n    \"cpu\": ", f);
	tb_json_string(f, cpu);
	fprintf(f, ",\n    \"cores\": %ld,\n    \"liburing\": ", sysconf(_SC_NPROCESSORS_ONLN));
	tb_json_string(f, BENCH_LIBURING_VERSION);
	fputs(",\n    \"git\": ", f);
	/* The revision the binary was built from (build_stamp), not what the
	 * source tree holds now: a result must name the code that produced it. */
	const char *git = build_stamp_git();
	if (strcmp(git, "unknown") != 0)
		tb_json_string(f, git);
	else
		fputs("null", f);
	fputs(",\n    \"build\": ", f);
	tb_json_string(f, BENCH_BUILD_TYPE " " BENCH_C_FLAGS " gcc " __VERSION__);
	fputs(",\n    \"argv\": [", f);
	for (int i = 0; i < argc; i++) {
		if (i)
			fputs(", ", f);
		tb_json_string(f, argv[i]);
	}
	fputs("]\n  }", f);
}
