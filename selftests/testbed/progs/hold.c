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
 *
 * Every page it holds carries its own number: once a second while it
 * holds, and over every byte before it exits, hold checks that no page
 * changed. A page the host took back while the guest still used it reads
 * as zeroes; hold then writes "corrupt" to /tmp/hold.state for good, and
 * the page, what it held and what it should hold to stdout.
 *
 * HOLD_STATE names another state file (selftests/testbed/progs/
 * hold-test.sh uses it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define STEP (2UL << 20)
#define MARGIN (8UL << 20)
#define PAGE 4096UL
#define FILL 0x5a
/* The mark of a page: its number in the upper bits never collides with FILL. */
#define MARK(n) (0x4d41524b00000000ULL | (unsigned long long)(n))

static char *steps[4096];
static unsigned long nr_steps;
static int corrupt;

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
	const char *path = getenv("HOLD_STATE");
	FILE *f = fopen(path ? path : "/tmp/hold.state", "w");

	if (f) {
		fputs(s, f);
		fclose(f);
	}
}

/* Fill a step, marking each page with its number. */
static void fill(char *p, unsigned long step)
{
	unsigned long i;

	memset(p, FILL, STEP);
	for (i = 0; i < STEP / PAGE; i++)
		*(unsigned long long *)(p + i * PAGE) = MARK(step * (STEP / PAGE) + i);
}

static void report(unsigned long step, unsigned long off, unsigned long long got,
		   unsigned long long want)
{
	printf("hold: page %lu (byte %lu of step %lu) holds %#llx, not %#llx\n",
	       (step * STEP + off) / PAGE, off, step, got, want);
	fflush(stdout);
	if (!corrupt)
		set_state("corrupt");
	corrupt = 1;
}

/* Check each page's mark, and with @full every byte. Return: pages bad. */
static unsigned long check(int full)
{
	const unsigned long long fill = 0x0101010101010101ULL * FILL;
	unsigned long s, i, w, bad = 0;

	for (s = 0; s < nr_steps; s++) {
		for (i = 0; i < STEP / PAGE; i++) {
			const unsigned long long *pg =
				(const unsigned long long *)(steps[s] + i * PAGE);
			unsigned long long want = MARK(s * (STEP / PAGE) + i);

			if (pg[0] != want) {
				if (bad++ < 8)
					report(s, i * PAGE, pg[0], want);
				continue;
			}
			for (w = 1; full && w < PAGE / sizeof(*pg); w++) {
				if (pg[w] != fill) {
					if (bad++ < 8)
						report(s, i * PAGE + w * sizeof(*pg),
						       pg[w], fill);
					break;
				}
			}
		}
	}
	return bad;
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
		if (nr_steps == sizeof(steps) / sizeof(steps[0])) {
			set_state("too-big");
			return 2;
		}
		fill(p, nr_steps);
		steps[nr_steps++] = p;
		done += STEP;
	}
	if (check(0))
		return 1;
	set_state("held");
	for (int tick = 0; access(stop, F_OK); tick++) {
		usleep(100000);
		if (tick % 10 == 9 && check(0))
			return 1;
	}
	if (check(1))
		return 1;
	set_state("done");
	return 0;
}
