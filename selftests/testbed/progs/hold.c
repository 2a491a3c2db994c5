// SPDX-License-Identifier: GPL-2.0
/*
 * hold -p: touch free memory until MemAvailable has no room left for
 * another step, then exit: afterwards every free page of the guest has
 * been written once, so it is resident in the host.
 *
 * hold MIB [STOPFILE]: allocate, touch and hold MIB MiB of anonymous
 * memory, then wait until STOPFILE exists (default /tmp/hold.stop) and
 * exit. It takes the memory in 2 MiB steps, each once MemAvailable has
 * room for it and a margin, as a program that sizes itself to the memory
 * it sees would: it never forces the guest to reclaim. Writes "held" to
 * /tmp/hold.state once everything is touched. Gives up after 300 s.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define STEP (2UL << 20)
#define MARGIN (8UL << 20)

static unsigned long available(void)
{
	char line[128];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

static void set_state(const char *s)
{
	FILE *f = fopen("/tmp/hold.state", "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

int main(int argc, char **argv)
{
	unsigned long want, done = 0;
	const char *stop = argc > 2 ? argv[2] : "/tmp/hold.stop";
	time_t t0 = time(NULL);
	char *p;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "-p")) {
		while (available() >= STEP + MARGIN) {
			p = mmap(NULL, STEP, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED)
				break;
			memset(p, 0x5a, STEP);
		}
		return 0;
	}
	want = strtoul(argv[1], NULL, 0) << 20;
	/* Run detached: whoever started us may wait for its pipes to close. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	set_state("growing");
	while (done < want) {
		if (time(NULL) - t0 > 300) {
			set_state("timeout");
			return 1;
		}
		if (available() < STEP + MARGIN) {
			usleep(50000);
			continue;
		}
		/* Step by step, as malloc() would: the guest may start small. */
		p = mmap(NULL, STEP, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			usleep(50000);
			continue;
		}
		memset(p, 0x5a, STEP);
		done += STEP;
	}
	set_state("held");
	while (access(stop, F_OK))
		usleep(100000);
	set_state("done");
	return 0;
}
