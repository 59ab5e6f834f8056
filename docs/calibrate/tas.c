/*
 * tas.c: the C baseline of `lockbench calibrate --locks tas`.
 *
 * One uncontended test-and-set lock+unlock (an atomic exchange to take,
 * a release store to free, as locks/tas.go does) in a loop on one
 * pinned CPU, timed at the loop's edges only: 7 rounds of about 10 ms,
 * the median printed in ns per lock+unlock. Compare with the "bare" and
 * "direct" columns of calibrate run on the same CPU:
 *
 *   cc -O2 -o /tmp/tas docs/calibrate/tas.c && /tmp/tas 0
 *   go run ./cmd/lockbench calibrate --locks tas,none --affinity compact
 *
 * (calibrate's compact affinity runs on the first CPU of the compact
 * order, CPU 0 on most machines; pass that CPU to tas.)
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static unsigned char pad0[128];
static volatile unsigned int word;
static unsigned char pad1[128];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void lockunlock(long n)
{
	for (long i = 0; i < n; i++) {
		while (__atomic_exchange_n(&word, 1, __ATOMIC_ACQUIRE) != 0)
			;
		__atomic_store_n(&word, 0, __ATOMIC_RELEASE);
	}
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int cpu = argc > 1 ? atoi(argv[1]) : 0;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) {
		perror("sched_setaffinity");
		return 1;
	}
	long n = 1000;
	for (;;) { /* size a round to about 10 ms */
		double t0 = now();
		lockunlock(n);
		double d = now() - t0;
		if (d >= 2.5e6) {
			n = (long)(n * 1e7 / d);
			if (n < 1000000)
				n = 1000000;
			break;
		}
		n *= 4;
	}
	double r[7];
	for (int i = 0; i < 7; i++) {
		double t0 = now();
		lockunlock(n);
		r[i] = (now() - t0) / n;
	}
	qsort(r, 7, sizeof r[0], cmp);
	printf("tas (C) on CPU %d: %.2f ns per lock+unlock (median of 7 rounds of %ld)\n", cpu, r[3], n);
	(void)pad0;
	(void)pad1;
	return 0;
}
