#!/bin/bash
# Run every test and print "N passed, N failed, N skipped" as the last line.
# Every test speaks TAP on stdout: "ok N - name", "not ok N - name",
# "ok N - name # SKIP reason". Test groups: build/tests/test-* (cmocka units),
# then tests/{cli,integration,peer,boot}/*.sh in name order.
# TESTS=pattern limits the run to groups whose path matches.
# TEST_JOBS=N runs up to N groups at once (default: the number of CPUs); each
# group's output goes to its own log, and the summary lines come out in the
# order above whatever order the groups end in. The groups in SERIAL below
# never run beside each other, those in ALONE beside nothing.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export DKMS_BIN="$top/build/dkms" TOP="$top"
# tests see the same environment under `make check` as from a shell:
# no make nesting level (make[1]: in kbuild output) and no jobserver
unset MAKELEVEL MAKEFLAGS MFLAGS MAKEOVERRIDES
log=$top/build/test-logs
jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
if [[ ! $jobs =~ ^[1-9][0-9]*$ ]]; then
	echo "run-all: TEST_JOBS='$jobs' is not a number of jobs (1 or more)" >&2
	exit 2
fi

# What one run shares between its groups (tests/lib.sh: the driver build
# cache): a dir of its own (two runs in one checkout do not share it),
# removed at the end.
mkdir -p "$log" || exit 2
DKMS_TEST_RUN=$(mktemp -d "$top/build/test-run.XXXXXX") || exit 2
export DKMS_TEST_RUN
trap 'rm -rf "$DKMS_TEST_RUN"' EXIT

# Groups that must not run beside each other, each for a reason outside its
# private temp dir:
#   packaging.sh   installs packages with dpkg in overlays of /usr, /etc, /var and
#                  /boot, and compares the host's /var/lib/dkms, dpkg status,
#                  /boot and /lib/modules before and after: a change by anyone
#                  else at the same time would count as its leak
#   corpus.sh, tarball-interop.sh  run Debian's dkms (3.0.10), whose defaults
#                  are the host's /var/lib/dkms (its MOK key) and /lib/modules
#                  wherever an option does not move them; corpus.sh and
#                  packaging.sh apt-get download into the same cache dir
SERIAL=" packaging.sh corpus.sh tarball-interop.sh "
# Groups that run alone: packaging.sh, whose Debian dkms in its overlays lost
# the module it had installed (14 failures) with other groups beside it, and
# passes alone; its before/after listing of the host is for nobody else's
# changes either.
ALONE=" packaging.sh "
# The longest groups (a run's times, two CPUs), started first in this order so
# that none of them starts last; FIRST_GROUPS replaces the list.
FIRST_GROUPS=${FIRST_GROUPS-packaging.sh driverdisk.sh crash.sh remake-initrd-boot.sh fragment-qla2xxx.sh \
fragment-megaraid.sh lsinitrd.sh safety.sh remake-initrd.sh real-builds.sh corpus.sh}

groups=()
for t in build/tests/test-*; do [ -x "$t" ] && groups+=("$t"); done
for d in cli integration peer boot; do
	for t in tests/$d/*.sh; do [ -x "$t" ] && groups+=("$t"); done
done
todo=()
for g in "${groups[@]}"; do
	[[ -n ${TESTS:-} && $g != *$TESTS* ]] && continue
	todo+=("$g")
done

# run_group G: run one group into $log/NAME.log, then write NAME.sum in the
# run's own dir (another run in the same checkout has its own):
# "PASSED FAILED SKIPPED" on its first line, the summary text after it.
run_group() {
	local g=$1 name=${1##*/} out rc p s s2 f start=$SECONDS
	out=$log/$name.log
	if [[ $g == build/tests/* ]]; then
		CMOCKA_MESSAGE_OUTPUT=TAP "$g" >"$out" 2>&1 </dev/null
	else
		"$g" >"$out" 2>&1 </dev/null
	fi
	rc=$?
	p=$(grep -cE '^ok [0-9]+' "$out")
	s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$out")
	# cmocka's TAP output says "not ok N # SKIP" for skip(): a skip, not a failure
	s2=$(grep -cE '^not ok [0-9]+.*# *SKIP' "$out")
	f=$(grep -cE '^not ok [0-9]+' "$out")
	p=$((p - s)) f=$((f - s2)) s=$((s + s2))
	if ((rc != 0 && f == 0)); then
		f=1
		echo "not ok - $name exited $rc" >>"$out"
	fi
	{
		echo "$p $f $s"
		printf '%-40s %3d passed %3d failed %3d skipped (%ds)\n' "$name" "$p" "$f" "$s" $((SECONDS - start))
		((f)) && grep -E '^not ok' "$out" | grep -vE '# *SKIP' | sed 's/^/    /' | head -20
	} >"$DKMS_TEST_RUN/$name.sum.tmp"
	mv "$DKMS_TEST_RUN/$name.sum.tmp" "$DKMS_TEST_RUN/$name.sum"
}

pass=0 fail=0 skip=0
failed=()
shown=0
# show_done [final]: print the summaries of the groups that ended, in list
# order, up to the first one still running; "final": a group without a
# summary (killed before it wrote one) is a failure.
show_done() {
	local name sum p f s
	while ((shown < ${#todo[@]})); do
		name=${todo[shown]##*/}
		sum=$DKMS_TEST_RUN/$name.sum
		if [[ ! -f $sum && -n ${1:-} ]]; then
			printf '0 1 0\n%-40s ended without a summary\n' "$name" >"$sum"
		fi
		[[ -f $sum ]] || return 0
		read -r p f s <"$sum"
		tail -n +2 "$sum"
		pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
		((f)) && failed+=("$name")
		rm -f "$sum"
		shown=$((shown + 1))
	done
}

# Start order: the longest groups first (FIRST, from the times a run
# prints), the rest in list order, so that no long group starts last.
FIRST=" $FIRST_GROUPS "
pending=()
for f in $FIRST_GROUPS; do
	for g in "${todo[@]}"; do [[ ${g##*/} == "$f" ]] && pending+=("$g"); done
done
for g in "${todo[@]}"; do [[ $FIRST == *" ${g##*/} "* ]] || pending+=("$g"); done

declare -A name_of=()  # pid of a running group -> its name
running=0 serial_busy= alone_busy=
# start_one: start the first pending group that may start now; 1 when none.
start_one() {
	local i g name
	((running < jobs)) && [[ -z $alone_busy ]] || return 1
	for i in "${!pending[@]}"; do
		g=${pending[i]} name=${g##*/}
		[[ $SERIAL == *" $name "* && -n $serial_busy ]] && continue
		# an ALONE group waits for an empty slate, and the rest for it
		[[ $ALONE == *" $name "* ]] && ((running)) && return 1
		unset "pending[$i]"
		pending=("${pending[@]}")
		run_group "$g" &
		name_of[$!]=$name
		running=$((running + 1))
		[[ $SERIAL == *" $name "* ]] && serial_busy=$name
		[[ $ALONE == *" $name "* ]] && alone_busy=$name
		return 0
	done
	return 1
}
while ((${#pending[@]} || running)); do
	while start_one; do :; done
	ended=
	wait -n -p ended
	# 127 with no pid: no child left (each wrote its summary or died)
	[[ $? == 127 && -z $ended ]] && { running=0 serial_busy= alone_busy= name_of=(); continue; }
	[[ -n $ended && -n ${name_of[$ended]:-} ]] || continue
	name=${name_of[$ended]}
	unset "name_of[$ended]"
	running=$((running - 1))
	[[ $serial_busy == "$name" ]] && serial_busy=
	[[ $alone_busy == "$name" ]] && alone_busy=
	show_done
done
show_done final
((${#failed[@]})) && echo "logs: $log/<group>.log"
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
