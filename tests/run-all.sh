#!/bin/bash
# Run every test and print "N passed, N failed, N skipped" as the last line.
# Every test speaks TAP on stdout: "ok N - name", "not ok N - name",
# "ok N - name # SKIP reason". Test groups: build/tests/test-* (cmocka units),
# then tests/{cli,integration,peer,boot}/*.sh in name order.
# TESTS=pattern limits the run to groups whose path matches.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
export DKMS_BIN="$top/build/dkms" TOP="$top"
# tests see the same environment under `make check` as from a shell:
# no make nesting level (make[1]: in kbuild output) and no jobserver
unset MAKELEVEL MAKEFLAGS MFLAGS MAKEOVERRIDES
log=$top/build/test-logs
mkdir -p "$log"
pass=0 fail=0 skip=0
failed=()

groups=()
for t in build/tests/test-*; do [ -x "$t" ] && groups+=("$t"); done
for d in cli integration peer boot; do
	for t in tests/$d/*.sh; do [ -x "$t" ] && groups+=("$t"); done
done

for g in "${groups[@]}"; do
	[[ -n ${TESTS:-} && $g != *$TESTS* ]] && continue
	name=${g##*/}
	out=$log/$name.log
	start=$SECONDS
	if [[ $g == build/tests/* ]]; then
		CMOCKA_MESSAGE_OUTPUT=TAP "$g" >"$out" 2>&1
	else
		"$g" >"$out" 2>&1
	fi
	rc=$?
	p=$(grep -cE '^ok [0-9]+' "$out" | head -1)
	s=$(grep -cE '^ok [0-9]+.*# *SKIP' "$out")
	# cmocka's TAP output says "not ok N # SKIP" for skip(): a skip, not a failure
	s2=$(grep -cE '^not ok [0-9]+.*# *SKIP' "$out")
	f=$(grep -cE '^not ok [0-9]+' "$out")
	p=$((p - s)) f=$((f - s2)) s=$((s + s2))
	if ((rc != 0 && f == 0)); then
		f=1
		echo "not ok - $name exited $rc" >>"$out"
	fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	printf '%-40s %3d passed %3d failed %3d skipped (%ds)\n' "$name" "$p" "$f" "$s" $((SECONDS - start))
	if ((f)); then
		failed+=("$name")
		grep -E '^not ok' "$out" | grep -vE '# *SKIP' | sed 's/^/    /' | head -20
	fi
done
((${#failed[@]})) && echo "logs: $log/<group>.log"
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
