// SPDX-License-Identifier: GPL-2.0
/*
 * probe: the timing helper of the test bed benchmarks (bench/testbed/).
 * Built static, it runs in the L1 host and in L2 guests.
 *
 * probe time [-t SECS] [-g SECS] WATCH... -- CMD [ARG...]
 *	Time CMD's effect. Each WATCH is one of
 *	  rss:PID:MIB       RssShmem of process PID (/proc/PID/status) has
 *	                    dropped by MIB MiB from its value before CMD
 *	  cmd:SHELL-COMMAND a watcher process (run with sh -c), for example
 *	                    "tbguest exec g1 -- probe watch ..." for what only
 *	                    the guest sees: it prints "ready" once it holds
 *	                    its starting value and "done" when its condition
 *	                    holds, each as a line of its own
 *	Once every watcher is ready, CMD runs; the clock starts just before
 *	it. One line per watch follows, then one for CMD:
 *	  watch N ms=T        the condition held T ms after the start
 *	  watch N timeout ... it did not within -t SECS (default 120), or
 *	                      within -g SECS after another watch held; for
 *	                      rss, with the largest drop seen
 *	  cmd ms=T status=S   CMD took T ms and exited with S
 *	Exit status: 0 when every condition held, 1 when one timed out,
 *	2 when the measurement could not be made.
 *
 * probe watch meminfo FIELD DELTA_MIB [SECS]
 *	Print "ready FIELD=KIB", then poll /proc/meminfo every 2 ms until
 *	FIELD has changed by DELTA_MIB MiB (negative: dropped by), then print
 *	"done FIELD=KIB ms=T", T counted from "ready"; "timeout FIELD=KIB"
 *	and exit 1 after SECS (default 120).
 *
 * probe burst BUFFER_PCT EXTRA_MIB [SECS] [STOPFILE]
 *	An allocation burst, as a program that suddenly needs memory: take
 *	anonymous memory in 2 MiB steps, touched at once, until the memory
 *	in use (MemTotal - MemAvailable) plus BUFFER_PCT percent of it no
 *	longer fits in MemTotal, that is until it crosses the buffer; mark
 *	that moment in the trace buffer ("probe: cross"), take EXTRA_MIB
 *	more, then wait for MemTotal to grow, mark "probe: granted" and
 *	hold the memory until STOPFILE (default /tmp/probe.stop) exists.
 *	Prints "cross", "granted MemTotal=KIB" (or "timeout") as it goes.
 *	The markers share the clock of the tracepoints of dynmem_guest.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_WATCH	8
#define STEP		(2UL << 20)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A "Key:   value kB" field of a /proc file, in kB; -1 if absent. */
static long proc_field(const char *path, const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long val = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			val = strtol(line + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return val;
}

struct watch {
	enum { W_RSS, W_CMD } kind;
	char path[64];		/* W_RSS: /proc/PID/status */
	long drop_kb;		/* W_RSS */
	long base_kb;		/* W_RSS: before CMD */
	long best_kb;		/* W_RSS: largest drop seen */
	pid_t pid;		/* W_CMD: the watcher */
	FILE *out;		/* W_CMD: its stdout */
	char last[256];		/* W_CMD: its last line */
	double done_ms;		/* < 0 while not done */
};

static int watch_parse(struct watch *w, const char *arg)
{
	int pid, mib;

	memset(w, 0, sizeof(*w));
	w->done_ms = -1;
	if (sscanf(arg, "rss:%d:%d", &pid, &mib) == 2 && pid > 0 && mib > 0) {
		w->kind = W_RSS;
		snprintf(w->path, sizeof(w->path), "/proc/%d/status", pid);
		w->drop_kb = mib * 1024L;
		return 0;
	}
	if (!strncmp(arg, "cmd:", 4) && arg[4]) {
		w->kind = W_CMD;
		return 0;
	}
	fprintf(stderr, "probe: bad watch '%s'\n", arg);
	return -1;
}

/* Start a watcher; its stdout comes to us through a pipe. */
static int watch_spawn(struct watch *w, const char *shell)
{
	int fd[2];

	if (pipe(fd))
		return -1;
	w->pid = fork();
	if (w->pid < 0)
		return -1;
	if (!w->pid) {
		/* A group of its own, so that all of it can be stopped. */
		setpgid(0, 0);
		close(fd[0]);
		dup2(fd[1], 1);
		close(fd[1]);
		execl("/bin/sh", "sh", "-c", shell, (char *)NULL);
		_exit(127);
	}
	close(fd[1]);
	w->out = fdopen(fd[0], "r");
	return w->out ? 0 : -1;
}

/*
 * Read a line of watcher @w, waiting at most @ms. Return: 1 for a line
 * in w->last, 0 for none yet, -1 at its end.
 */
static int watch_line(struct watch *w, int ms)
{
	struct pollfd p = { .fd = fileno(w->out), .events = POLLIN };
	size_t len;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	if (!fgets(w->last, sizeof(w->last), w->out))
		return -1;
	len = strlen(w->last);
	if (len && w->last[len - 1] == '\n')
		w->last[len - 1] = 0;
	return 1;
}

static int cmd_time(int argc, char **argv)
{
	struct watch w[MAX_WATCH];
	int nw = 0, i, status, left, ret = 0;
	double t0, t1, end, limit = 120e3, grace = -1;
	pid_t child;

	while (argc > 0 && strcmp(argv[0], "--")) {
		if (!strcmp(argv[0], "-t") && argc > 1) {
			limit = atof(argv[1]) * 1e3;
			argc -= 2;
			argv += 2;
			continue;
		}
		if (!strcmp(argv[0], "-g") && argc > 1) {
			grace = atof(argv[1]) * 1e3;
			argc -= 2;
			argv += 2;
			continue;
		}
		if (nw == MAX_WATCH || watch_parse(&w[nw], argv[0]))
			return 2;
		if (w[nw].kind == W_CMD && watch_spawn(&w[nw], argv[0] + 4)) {
			perror("probe: watcher");
			return 2;
		}
		nw++;
		argc--;
		argv++;
	}
	if (argc < 2 || !nw) {
		fprintf(stderr, "probe: time: no watch or no command\n");
		return 2;
	}
	argv++;

	/* Every watcher holds its starting value before the command. */
	end = now_ms() + limit;
	for (i = 0; i < nw; i++) {
		if (w[i].kind == W_RSS) {
			w[i].base_kb = proc_field(w[i].path, "RssShmem");
			if (w[i].base_kb < 0) {
				fprintf(stderr, "probe: no RssShmem in %s\n",
					w[i].path);
				return 2;
			}
			continue;
		}
		for (;;) {
			int r = watch_line(&w[i], 100);

			if (r < 0 || now_ms() > end) {
				fprintf(stderr, "probe: watcher %d never ready\n", i);
				return 2;
			}
			if (r > 0 && !strncmp(w[i].last, "ready", 5))
				break;
		}
	}

	t0 = now_ms();
	child = fork();
	if (child < 0)
		return 2;
	if (!child) {
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(child, &status, 0);
	t1 = now_ms();

	end = t0 + limit;
	for (left = nw; left > 0 && now_ms() < end;) {
		for (i = 0; i < nw; i++) {
			long kb;

			if (w[i].done_ms >= 0)
				continue;
			if (w[i].kind == W_RSS) {
				kb = proc_field(w[i].path, "RssShmem");
				if (kb >= 0 && w[i].base_kb - kb > w[i].best_kb)
					w[i].best_kb = w[i].base_kb - kb;
				if (w[i].best_kb >= w[i].drop_kb) {
					w[i].done_ms = now_ms() - t0;
					left--;
				}
			} else if (watch_line(&w[i], 0) > 0 &&
				   !strncmp(w[i].last, "done", 4)) {
				w[i].done_ms = now_ms() - t0;
				left--;
			}
			/* The first to hold: the others get the grace time. */
			if (w[i].done_ms >= 0 && grace >= 0 &&
			    t0 + w[i].done_ms + grace < end)
				end = t0 + w[i].done_ms + grace;
		}
		sleep_ms(5);
	}

	for (i = 0; i < nw; i++) {
		if (w[i].done_ms >= 0) {
			printf("watch %d ms=%.1f", i, w[i].done_ms);
		} else {
			printf("watch %d timeout", i);
			ret = 1;
		}
		if (w[i].kind == W_RSS)
			printf(" rss_base_kib=%ld drop_kib=%ld\n",
			       w[i].base_kb, w[i].best_kb);
		else
			printf(" said='%s'\n", w[i].last);
		if (w[i].kind == W_CMD) {
			kill(-w[i].pid, SIGTERM);
			waitpid(w[i].pid, NULL, 0);
		}
	}
	printf("cmd ms=%.1f status=%d\n", t1 - t0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return ret;
}

static int cmd_watch(int argc, char **argv)
{
	char key[64];
	long base, cur, delta;
	double t0, limit;

	if (argc < 4 || strcmp(argv[0], "meminfo"))
		return 2;
	snprintf(key, sizeof(key), "%s", argv[1]);
	delta = atol(argv[2]) * 1024L;
	limit = (argc > 3 ? atof(argv[3]) : 120) * 1e3;
	base = proc_field("/proc/meminfo", key);
	if (base < 0 || !delta)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %s=%ld\n", key, base);
	t0 = now_ms();
	while (now_ms() - t0 < limit) {
		cur = proc_field("/proc/meminfo", key);
		if ((delta > 0 && cur - base >= delta) ||
		    (delta < 0 && cur - base <= delta)) {
			printf("done %s=%ld ms=%.1f\n", key, cur, now_ms() - t0);
			return 0;
		}
		sleep_ms(2);
	}
	printf("timeout %s=%ld\n", key, proc_field("/proc/meminfo", key));
	return 1;
}

static void mark(const char *what)
{
	FILE *f = fopen("/sys/kernel/tracing/trace_marker", "w");

	if (f) {
		fprintf(f, "probe: %s\n", what);
		fclose(f);
	}
}

static int take(unsigned long bytes)
{
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0x5a, bytes);
	return 0;
}

static int cmd_burst(int argc, char **argv)
{
	long buf_pct, extra, total0, total, avail;
	const char *stop;
	double t0, limit;

	if (argc < 2)
		return 2;
	buf_pct = atol(argv[0]);
	extra = atol(argv[1]) << 20;
	limit = (argc > 2 ? atof(argv[2]) : 120) * 1e3;
	stop = argc > 3 ? argv[3] : "/tmp/probe.stop";
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int fd = 3; fd < 1024; fd++)
		close(fd);

	total0 = proc_field("/proc/meminfo", "MemTotal");
	t0 = now_ms();
	for (;;) {
		total = proc_field("/proc/meminfo", "MemTotal");
		avail = proc_field("/proc/meminfo", "MemAvailable");
		if (total < 0 || avail < 0)
			return 2;
		if ((total - avail) * (100 + buf_pct) / 100 > total)
			break;
		if (avail < 32 * 1024 || now_ms() - t0 > limit) {
			printf("no crossing: MemTotal=%ld MemAvailable=%ld\n",
			       total, avail);
			return 1;
		}
		if (take(STEP))
			return 1;
	}
	mark("cross");
	printf("cross MemTotal=%ld MemAvailable=%ld\n", total, avail);
	if (extra && take(extra))
		return 1;
	while (proc_field("/proc/meminfo", "MemTotal") <= total0) {
		if (now_ms() - t0 > limit) {
			printf("timeout\n");
			return 1;
		}
		sleep_ms(2);
	}
	mark("granted");
	printf("granted MemTotal=%ld\n", proc_field("/proc/meminfo", "MemTotal"));
	while (access(stop, F_OK))
		sleep_ms(100);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "time"))
		return cmd_time(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "watch"))
		return cmd_watch(argc - 2, argv + 2);
	if (argc > 1 && !strcmp(argv[1], "burst"))
		return cmd_burst(argc - 2, argv + 2);
	fprintf(stderr, "usage: probe time [-t SECS] [-g SECS] WATCH... -- CMD [ARG...]\n"
		"       probe watch meminfo FIELD DELTA_MIB [SECS]\n"
		"       probe burst BUFFER_PCT EXTRA_MIB [SECS] [STOPFILE]\n");
	return 2;
}
