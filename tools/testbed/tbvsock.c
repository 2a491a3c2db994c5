// SPDX-License-Identifier: GPL-2.0
/*
 * tbvsock: the small helper of the dynmem test bed, linked statically so it
 * runs in the L1 host and in L2 guests without libraries.
 *
 *   tbvsock agent [-d] PORT          run commands for "exec" clients (L2)
 *   tbvsock exec [-w SECS] [-t SECS] CID PORT -- CMD [ARG...]
 *                                    run CMD through an agent, relay its
 *                                    stdout, stderr and exit status
 *   tbvsock echod [-d] PORT          echo every connection back (L1 or L2)
 *   tbvsock echo [-w SECS] [-t SECS] CID PORT TEXT
 *                                    send TEXT, print what comes back
 *   tbvsock qmp [-t SECS] SOCKET JSON
 *                                    one QMP command, print the reply
 *
 * -w is how long to retry the connection while the peer is not there; -t
 * is how long the whole conversation may take: after it, tbvsock says so
 * on stderr and exits with status 124, whatever the peer is doing.
 *
 * Wire format of "exec": the client sends a u32 argument count followed by
 * each argument as u32 length and bytes; the agent answers with frames of
 * one type byte and a u32 length: TB_STDOUT and TB_STDERR carry output,
 * TB_EXIT carries the wait status as a u32 and ends the stream. Integers
 * are little endian; both ends run on x86.
 *
 * -d forks into the background once the socket listens, so a caller that
 * waits for the foreground process knows the port is open.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

enum { TB_STDOUT = 1, TB_STDERR = 2, TB_EXIT = 3 };

#define TB_MAX_ARGS	4096
#define TB_MAX_ARGLEN	(1024 * 1024)

/* What -t gave up on, for the message of the alarm. */
static char deadline_what[128];
static unsigned int deadline_secs;

static void deadline_hit(int sig)
{
	char msg[256];
	int n;

	(void)sig;
	n = snprintf(msg, sizeof(msg), "tbvsock: %s: no end within %u s; gave up\n",
		     deadline_what, deadline_secs);
	if (n > 0)
		(void)!write(2, msg, n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1);
	_exit(124);
}

static void deadline_set(unsigned int secs, const char *fmt, const char *arg)
{
	if (!secs)
		return;
	snprintf(deadline_what, sizeof(deadline_what), fmt, arg);
	deadline_secs = secs;
	signal(SIGALRM, deadline_hit);
	alarm(secs);
}

static void die(const char *what)
{
	fprintf(stderr, "tbvsock: %s: %s\n", what, strerror(errno));
	exit(125);
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int listen_vsock(unsigned int port)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = VMADDR_CID_ANY,
		.svm_port = port,
	};
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("bind");
	if (listen(fd, 16) < 0)
		die("listen");
	return fd;
}

/* Connect, retrying for up to @wait seconds while the peer is not there. */
static int connect_vsock(unsigned int cid, unsigned int port, int wait)
{
	struct sockaddr_vm addr = {
		.svm_family = AF_VSOCK,
		.svm_cid = cid,
		.svm_port = port,
	};
	time_t end = time(NULL) + wait;

	for (;;) {
		int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket");
		if (!connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
			return fd;
		close(fd);
		if (time(NULL) >= end) {
			fprintf(stderr, "tbvsock: connect to %u:%u: %s\n",
				cid, port, strerror(errno));
			exit(125);
		}
		usleep(200000);
	}
}

static void background(void)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid)
		_exit(0);
	setsid();
}

static int send_frame(int fd, uint8_t type, const void *data, uint32_t len)
{
	if (write_all(fd, &type, 1) || write_all(fd, &len, sizeof(len)))
		return -1;
	return write_all(fd, data, len);
}

static void serve_exec(int conn)
{
	uint32_t argc, len, status;
	int out[2], err[2];
	char **argv;
	pid_t pid;

	if (read_all(conn, &argc, sizeof(argc)) || !argc || argc > TB_MAX_ARGS)
		_exit(1);
	argv = calloc(argc + 1, sizeof(*argv));
	if (!argv)
		_exit(1);
	for (uint32_t i = 0; i < argc; i++) {
		if (read_all(conn, &len, sizeof(len)) || len > TB_MAX_ARGLEN)
			_exit(1);
		argv[i] = calloc(1, len + 1);
		if (!argv[i] || read_all(conn, argv[i], len))
			_exit(1);
	}
	if (pipe(out) || pipe(err))
		_exit(1);
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (!pid) {
		int null = open("/dev/null", 0);

		dup2(null, 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		close(out[0]);
		close(err[0]);
		close(conn);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		fprintf(stderr, "tbvsock: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out[1]);
	close(err[1]);

	struct pollfd pfd[2] = {
		{ .fd = out[0], .events = POLLIN },
		{ .fd = err[0], .events = POLLIN },
	};
	int open_fds = 2;

	while (open_fds) {
		char buf[4096];

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pfd[i].fd);
				pfd[i].fd = -1;
				open_fds--;
				continue;
			}
			if (send_frame(conn, i ? TB_STDERR : TB_STDOUT, buf, n))
				_exit(1);
		}
	}
	while (waitpid(pid, (int *)&status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	send_frame(conn, TB_EXIT, &status, sizeof(status));
	_exit(0);
}

static void serve_echo(int conn)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(conn, buf, sizeof(buf))) > 0)
		if (write_all(conn, buf, n))
			break;
	_exit(0);
}

static int serve(unsigned int port, int daemonize, void (*handler)(int))
{
	int fd = listen_vsock(port);

	signal(SIGCHLD, SIG_IGN);
	if (daemonize)
		background();
	for (;;) {
		int conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

		if (conn < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		switch (fork()) {
		case -1:
			die("fork");
			break;
		case 0:
			close(fd);
			signal(SIGCHLD, SIG_DFL);
			handler(conn);
			_exit(0);
		default:
			close(conn);
		}
	}
}

static int do_exec(unsigned int cid, unsigned int port, int wait,
		   int argc, char **argv)
{
	int fd = connect_vsock(cid, port, wait);
	uint32_t n = argc, len, status;
	uint8_t type;
	char buf[4096];

	if (write_all(fd, &n, sizeof(n)))
		die("send");
	for (int i = 0; i < argc; i++) {
		len = strlen(argv[i]);
		if (write_all(fd, &len, sizeof(len)) ||
		    write_all(fd, argv[i], len))
			die("send");
	}
	for (;;) {
		if (read_all(fd, &type, 1) || read_all(fd, &len, sizeof(len))) {
			fprintf(stderr, "tbvsock: agent closed the connection\n");
			return 125;
		}
		if (type == TB_EXIT) {
			if (len != sizeof(status) ||
			    read_all(fd, &status, sizeof(status)))
				return 125;
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			return 128 + WTERMSIG(status);
		}
		while (len) {
			uint32_t chunk = len < sizeof(buf) ? len : sizeof(buf);

			if (read_all(fd, buf, chunk))
				return 125;
			write_all(type == TB_STDERR ? 2 : 1, buf, chunk);
			len -= chunk;
		}
	}
}

static int do_echo(unsigned int cid, unsigned int port, int wait,
		   const char *text)
{
	int fd = connect_vsock(cid, port, wait);
	char buf[4096];
	ssize_t n;

	if (write_all(fd, text, strlen(text)) || shutdown(fd, SHUT_WR))
		die("send");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		write_all(1, buf, n);
	if (n < 0)
		die("recv");
	return 0;
}

/* Read one line of a QMP reply; returns its length or -1. */
static ssize_t qmp_line(int fd, char *buf, size_t size)
{
	size_t len = 0;

	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (buf[len] == '\n')
			break;
		len++;
	}
	buf[len] = '\0';
	if (len && buf[len - 1] == '\r')
		buf[--len] = '\0';
	return len;
}

/* Read lines until one that is not an asynchronous event. */
static ssize_t qmp_reply(int fd, char *buf, size_t size)
{
	ssize_t n;

	do {
		n = qmp_line(fd, buf, size);
	} while (n >= 0 && strstr(buf, "\"event\""));
	return n;
}

static int do_qmp(const char *path, const char *cmd)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	static char buf[1 << 20];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	const char *caps = "{\"execute\":\"qmp_capabilities\"}\n";

	if (fd < 0)
		die("socket");
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "tbvsock: socket path too long\n");
		return 125;
	}
	strcpy(addr.sun_path, path);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		die(path);
	if (qmp_line(fd, buf, sizeof(buf)) < 0 ||
	    write_all(fd, caps, strlen(caps)) ||
	    qmp_reply(fd, buf, sizeof(buf)) < 0 ||
	    write_all(fd, cmd, strlen(cmd)) || write_all(fd, "\n", 1) ||
	    qmp_reply(fd, buf, sizeof(buf)) < 0) {
		fprintf(stderr, "tbvsock: QMP conversation on %s failed\n",
			path);
		return 125;
	}
	puts(buf);
	return strstr(buf, "\"error\"") ? 1 : 0;
}

static void print_usage(void)
{
	fputs("usage: tbvsock agent [-d] PORT\n"
	      "       tbvsock exec [-w SECS] [-t SECS] CID PORT -- CMD [ARG...]\n"
	      "       tbvsock echod [-d] PORT\n"
	      "       tbvsock echo [-w SECS] [-t SECS] CID PORT TEXT\n"
	      "       tbvsock qmp [-t SECS] SOCKET JSON\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	int daemonize = 0, wait = 0;
	unsigned int limit = 0;
	const char *cmd;

	if (argc < 2)
		print_usage();
	cmd = argv[1];
	argv += 2;
	argc -= 2;
	while (argc && argv[0][0] == '-' && strcmp(argv[0], "--")) {
		if (!strcmp(argv[0], "-d")) {
			daemonize = 1;
		} else if (!strcmp(argv[0], "-w") && argc > 1) {
			wait = atoi(argv[1]);
			argv++;
			argc--;
		} else if (!strcmp(argv[0], "-t") && argc > 1) {
			limit = strtoul(argv[1], NULL, 0);
			argv++;
			argc--;
		} else {
			print_usage();
		}
		argv++;
		argc--;
	}
	signal(SIGPIPE, SIG_IGN);

	if (!strcmp(cmd, "agent") && argc == 1)
		return serve(strtoul(argv[0], NULL, 0), daemonize, serve_exec);
	if (!strcmp(cmd, "echod") && argc == 1)
		return serve(strtoul(argv[0], NULL, 0), daemonize, serve_echo);
	if (!strcmp(cmd, "exec") && argc > 3 && !strcmp(argv[2], "--")) {
		deadline_set(limit, "exec %s", argv[3]);
		return do_exec(strtoul(argv[0], NULL, 0),
			       strtoul(argv[1], NULL, 0), wait,
			       argc - 3, argv + 3);
	}
	if (!strcmp(cmd, "echo") && argc == 3) {
		deadline_set(limit, "echo to CID %s", argv[0]);
		return do_echo(strtoul(argv[0], NULL, 0),
			       strtoul(argv[1], NULL, 0), wait, argv[2]);
	}
	if (!strcmp(cmd, "qmp") && argc == 2) {
		deadline_set(limit, "QMP on %s", argv[0]);
		return do_qmp(argv[0], argv[1]);
	}
	print_usage();
	return 2;
}
