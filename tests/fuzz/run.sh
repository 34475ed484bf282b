#!/bin/bash
# Run libFuzzer targets built by `make fuzz-build` (build/fuzz/fuzz-<target>), each
# for FUZZ_SECONDS (default 60), FUZZ_JOBS at a time (default 1), under
# nice -n FUZZ_NICE (default 15), then print a summary table (also written to
# build/fuzz/summary.txt). Usage: run.sh [target...] (default: all built);
# run.sh --summary prints the table of every target's runs so far, running nothing.
#
# FUZZ_DIR (default build/fuzz) holds the binaries. Per target, in
# $FUZZ_DIR/<target>/: corpus/ (what the fuzzer learnt; the
# committed seeds in tests/fuzz/corpus/<target>/ are read, never written),
# crashes/ (crash-*, leak-*, timeout-*, oom-* reproducers), last.log, and
# runs.tsv with one line per run (date, seconds, runs, CPU seconds, crashes,
# leaks, peak RSS MB). The table shows the last run of each target and the
# totals over all its runs (CPU hours count the fuzzer and its children).
# Exit status: 1 when a run found a crash, leak, timeout or out-of-memory.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
fuzz=${FUZZ_DIR:-$top/build/fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
nice_level=${FUZZ_NICE:-15}
# one scratch directory per input lives here (on disk: files are capped at 16 MiB)
export TMPDIR=$fuzz/tmp

summary_only=false
[[ ${1:-} == --summary ]] && { summary_only=true; shift; }
targets=("$@")
if ((${#targets[@]} == 0)); then
	for f in "$fuzz"/fuzz-*; do
		[[ -f $f && -x $f ]] || continue
		t=${f##*/fuzz-}
		$summary_only && [[ ! -s $fuzz/$t/runs.tsv ]] && continue
		targets+=("$t")
	done
fi

# Input size, per-input time limit and dictionary, by what a target reads.
opts_for() {
	case $1 in
	conf-diff) echo "-max_len=2048 -timeout=60 -dict=tests/fuzz/conf.dict" ;;
	conf-*) echo "-max_len=4096 -timeout=10 -dict=tests/fuzz/conf.dict" ;;
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

# what a killed run left (a crash ends the process in the middle of an input)
$summary_only || { rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"; }
for t in "${targets[@]}"; do
	$summary_only && break
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
	printf '%-12s %10s %7s %7s %5s %7s | %11s %9s %7s %5s %7s\n' target runs seconds crashes leaks \
		peak_MB all_runs cpu_hours crashes leaks peak_MB
	for t in "${targets[@]}"; do
		awk -F'\t' -v t="$t" '{ r += $3; c += $4; k += $5; l += $6; if ($7 > p) p = $7 }
			END { printf "%-12s %10d %7d %7d %5d %7d | %11d %9.2f %7d %5d %7d\n",
				t, $3, $2, $5, $6, $7, r, c / 3600, k, l, p }' "$fuzz/$t/runs.tsv"
	done
} | tee "$fuzz/summary.txt"
for t in "${targets[@]}"; do
	$summary_only && break
	tail -1 "$fuzz/$t/runs.tsv" | awk -F'\t' '{ exit !($5 + $6) }' &&
		echo "$t: see $fuzz/$t/last.log; reproducers in $fuzz/$t/crashes/"
done
# the status: anything found in the runs just made (with --summary: in any run)
col=4
$summary_only && col=10
! awk -v c=$col 'NR > 1 && $c + $(c + 1) > 0 { bad = 1 } END { exit !bad }' "$fuzz/summary.txt"
