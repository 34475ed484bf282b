#!/bin/bash
# Run libFuzzer targets built by `make fuzz-build` (build/fuzz/fuzz-<target>), each
# for FUZZ_SECONDS (default 60), FUZZ_JOBS at a time (default 1), under
# nice -n FUZZ_NICE (default 15), then print a summary table (also written to
# build/fuzz/summary.txt). Usage: run.sh [target...] (default: all built).
#
# Per target, in build/fuzz/<target>/: corpus/ (what the fuzzer learnt; the
# committed seeds in tests/fuzz/corpus/<target>/ are read, never written),
# crashes/ (crash-*, leak-*, timeout-*, oom-* reproducers), last.log, and
# runs.tsv with one line per run (date, seconds, runs, CPU seconds, crashes,
# leaks, peak RSS MB), from which the table's totals come.
# Exit status: 1 when a run found a crash, leak, timeout or out-of-memory.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
fuzz=$top/build/fuzz
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
nice_level=${FUZZ_NICE:-15}
# one scratch directory per input lives here (on disk: files are capped at 16 MiB)
export TMPDIR=$fuzz/tmp
mkdir -p "$TMPDIR"

targets=("$@")
if ((${#targets[@]} == 0)); then
	for f in "$fuzz"/*; do
		[[ -f $f && -x $f && ${f##*/} == fuzz-* ]] && targets+=("${f#*/fuzz-}")
	done
fi

# Input size and per-input time limit, by what a target reads.
opts_for() {
	case $1 in
	conf-diff) echo "-max_len=2048 -timeout=60" ;;
	conf-*) echo "-max_len=4096 -timeout=10" ;;
	newc) echo "-max_len=4096 -timeout=10" ;;
	iso | fat) echo "-max_len=131072 -timeout=20" ;;
	*) echo "-max_len=65536 -timeout=20" ;;
	esac
}

# run_target TARGET: one run, appended to runs.tsv
run_target() {
	local t=$1 d=$fuzz/$1 start cpu runs rss new crashes leaks
	mkdir -p "$d/corpus" "$d/crashes"
	ls "$d/crashes" | sort >"$d/.before"
	start=$(date +%s)
	# bash's `time` counts the CPU of every child waited for (bash of conf-diff too)
	cpu=$( { TIMEFORMAT='%U %S'; time nice -n "$nice_level" "$fuzz/fuzz-$t" $(opts_for "$t") \
		-max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 \
		-artifact_prefix="$d/crashes/" "$d/corpus" "tests/fuzz/corpus/$t" \
		>"$d/last.log" 2>&1; } 2>&1 | awk '{ printf "%.1f", $1 + $2 }')
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/last.log" | tail -1)
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$d/last.log" | tail -1)
	new=$(ls "$d/crashes" | sort | comm -13 "$d/.before" -)
	rm -f "$d/.before"
	crashes=$(printf '%s\n' "$new" | grep -v '^$' | grep -cv '^leak-')
	leaks=$(printf '%s\n' "$new" | grep -c '^leak-')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" $(($(date +%s) - start)) \
		"${runs:-0}" "$cpu" "$crashes" "$leaks" "${rss:-0}" >>"$d/runs.tsv"
}

for t in "${targets[@]}"; do
	if [[ ! -x $fuzz/fuzz-$t ]]; then
		echo "run.sh: $fuzz/fuzz-$t is not built (make fuzz-build)" >&2
		exit 2
	fi
	while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
	echo "fuzzing $t for ${seconds}s"
	run_target "$t" &
done
wait

{
	printf '%-12s %10s %8s %8s %8s %6s %8s | %12s %9s\n' target runs seconds cpu_s crashes leaks \
		peak_MB total_runs cpu_hours
	for t in "${targets[@]}"; do
		tail -1 "$fuzz/$t/runs.tsv" | awk -F'\t' -v t="$t" '{ printf "%-12s %10d %8d %8.0f %8d %6d %8d", t, $3, $2, $4, $5, $6, $7 }'
		awk -F'\t' '{ r += $3; c += $4 } END { printf " | %12d %9.2f\n", r, c / 3600 }' "$fuzz/$t/runs.tsv"
	done
} | tee "$fuzz/summary.txt"
! awk '{ if ($5 + $6 > 0) bad = 1 } END { exit !bad }' <(tail -n +2 "$fuzz/summary.txt")
