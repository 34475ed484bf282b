// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * iso-write DIR OUT RUNS: time mkdisk's in-process ISO writer (the one
 * mkdriverdisk uses) on the tree DIR, RUNS times; prints one line of
 * seconds per run. Built and run by tests/bench/driverdisk.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/payload.h"
#include "mkdisk/medium.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct medium_opts o = { .medium = DUD_MEDIUM_ISO, .label = "OEMDRV" };
	int runs = argc > 3 ? atoi(argv[3]) : 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s DIR OUT [RUNS]\n", argv[0]);
		return 2;
	}
	for (int i = 0; i < runs; i++) {
		struct payload p = PAYLOAD_INIT;
		double t0 = now();
		int r;

		/* the payload is built from the tree each time, as mkdriverdisk does */
		p.mtime = 1700000000;
		r = payload_add_tree(&p, "", argv[1]);
		if (r == 0)
			r = medium_write(&p, &o, argv[2]);
		payload_release(&p);
		if (r < 0) {
			fprintf(stderr, "iso-write: %s\n", strerror(-r));
			return 1;
		}
		printf("%.6f\n", now() - t0);
	}
	return 0;
}
