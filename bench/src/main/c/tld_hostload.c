// SPDX-License-Identifier: Apache-2.0
/*
 * tld_hostload - an unrelated process for the host cost benchmarks (host group)
 *
 *   tld_hostload syscall N REPS CPU   getppid() N times, REPS times
 *   tld_hostload switch N REPS CPU    N pipe round trips between this process
 *                                     and a forked child, REPS times
 *
 * Both run pinned to CPU (the child of "switch" too, so that every round trip
 * is two context switches and four system calls on that CPU). One line per
 * repetition on stdout: nanoseconds per system call, or per round trip.
 * Nothing here knows about task local data: it stands for any other process
 * on the host (a database next to the service), which the starter's programs
 * see only through the kernel's hooks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int die(const char *what)
{
	fprintf(stderr, "tld_hostload: %s: %s\n", what, strerror(errno));
	return 1;
}

static double syscall_loop(long n)
{
	double t0 = now_ns();
	long i;

	for (i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (now_ns() - t0) / n;
}

static void echo(int in, int out, long n)
{
	char c;
	long i;

	for (i = 0; i < n; i++) {
		if (read(in, &c, 1) != 1 || write(out, &c, 1) != 1)
			_exit(2);
	}
	_exit(0);
}

static double ping_pong(long n)
{
	int to_child[2], to_parent[2];
	double t0, t1;
	char c = 'x';
	int status;
	pid_t pid;
	long i;

	if (pipe(to_child) || pipe(to_parent))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		echo(to_child[0], to_parent[1], n);
	}
	close(to_child[0]);
	close(to_parent[1]);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
			return -1;
	}
	t1 = now_ns();
	close(to_child[1]);
	close(to_parent[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return (t1 - t0) / n;
}

int main(int argc, char **argv)
{
	long n, reps, r;
	cpu_set_t set;
	int sw;
	double ns;

	if (argc != 5 || (strcmp(argv[1], "syscall") && strcmp(argv[1], "switch"))) {
		fprintf(stderr, "usage: tld_hostload syscall|switch N REPS CPU\n");
		return 64;
	}
	sw = !strcmp(argv[1], "switch");
	n = atol(argv[2]);
	reps = atol(argv[3]);
	if (n <= 0 || reps <= 0) {
		fprintf(stderr, "tld_hostload: N and REPS must be positive\n");
		return 64;
	}
	CPU_ZERO(&set);
	CPU_SET(atoi(argv[4]), &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return die("sched_setaffinity");
	for (r = 0; r < reps; r++) {
		ns = sw ? ping_pong(n) : syscall_loop(n);
		if (ns < 0)
			return die("ping-pong");
		printf("%.2f\n", ns);
		fflush(stdout);
	}
	return 0;
}
