#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run dkms-project/dkms's own test suite (run_test.sh) against our program.
# A measurement tool, not part of `make check`: it needs a checkout of dkms.
#
#   DKMS_SRC=/path/to/dkms tests/upstream/run-dkms-suite.sh [--reference] [section...]
#
# The suite writes to the real /usr/src, /lib/modules, /var/lib/dkms and
# /etc/dkms, so each section runs in its own mount namespace
# (unshare -m --propagation private) with fresh overlayfs layers over /usr,
# /etc, /var and /boot whose upper layers live in a temp dir: the host is
# untouched. initrd_mode=none keeps REMAKE_INITRD at dkms 3.x's warning.
# Inside, our build/dkms ($DKMS_BIN) is installed as /usr/sbin/dkms, with
# /etc/dkms/framework.conf{,.d} and /var/lib/dkms present as the suite
# expects; the peer's helpers in /usr/lib/dkms are hidden and the checkout's
# dkms_autoinstaller (a wrapper that calls /usr/sbin/dkms autoinstall) is
# installed, unless UPSTREAM_AUTOINSTALLER=0 (then its checks are skipped).
# With --reference the checkout itself is installed (`make install-debian`),
# which shows the harness is sound: every section must pass.
#
# run_test.sh stops at the first failed check (set -e). Sections run one by
# one, and a copy of the suite counts each check (run_with_expected_*,
# run_status_with_expected_output, check_make_log_content). SUITE_CONTINUE=1
# lets a section go on after a failed check (later failures may be knock-on).
#
# Sections: all of the suite's by default (basic signing autoinstall ...).
# KERNEL_VER defaults to the newest installed headers. Logs are kept in
# $SUITE_LOGS (default build/upstream-suite/<ours|reference>/).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DKMS_BIN=${DKMS_BIN:-$TOP/build/dkms}
mode=ours
sections=()
for a in "$@"; do
	case $a in
	--reference) mode=reference ;;
	-h | --help) sed -n '3,27p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "unknown option $a" >&2; exit 2 ;;
	*) sections+=("$a") ;;
	esac
done

die() { echo "run-dkms-suite: $*" >&2; exit 2; }
[[ $(id -u) == 0 ]] || die "must run as root (mount namespace, overlayfs)"
[[ -n ${DKMS_SRC:-} && -f $DKMS_SRC/run_test.sh && -d $DKMS_SRC/test ]] ||
	die "set DKMS_SRC to a checkout of dkms-project/dkms (with run_test.sh and test/)"
DKMS_SRC=$(cd "$DKMS_SRC" && pwd)
if [[ -z ${KERNEL_VER:-} ]]; then
	for d in $(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V -r); do
		[[ -e $d/include ]] && { KERNEL_VER=${d#/usr/src/linux-headers-}; break; }
	done
fi
[[ -n ${KERNEL_VER:-} && -e /lib/modules/$KERNEL_VER/build/include ]] ||
	die "no kernel headers (set KERNEL_VER)"
if [[ $mode == ours ]]; then
	[[ -x $DKMS_BIN ]] || die "$DKMS_BIN is not built (make)"
fi
((${#sections[@]})) ||
	mapfile -t sections < <(grep -o '\$only = [A-Za-z0-9_-]*' "$DKMS_SRC/run_test.sh" | awk '!s[$3]++ {print $3}')

LOGS=${SUITE_LOGS:-$TOP/build/upstream-suite/$mode}
mkdir -p "$LOGS"
W=$(mktemp -d "${TMPDIR:-/tmp}/dkms-suite.XXXXXX")
trap 'rm -rf "$W"' EXIT

# A private copy of the checkout: the suite writes its logs beside itself,
# and `make` generates files; the checkout stays as it is.
mkdir -p "$W/src"
tar -C "$DKMS_SRC" --exclude=.git -cf - . | tar -C "$W/src" -xf -
make -s -C "$W/src" >"$W/make.log" 2>&1 || { cat "$W/make.log" >&2; die "make in the dkms checkout failed"; }
[[ $mode == ours ]] && install -m 0755 "$DKMS_BIN" "$W/dkms"

# Count the checks: wrap the suite's check helpers, defined before the line
# "Preparing a clean test environment". Markers go to $DKMS_SUITE_MARKS as
# "<OK|FAIL> <preamble|section> <command>".
cp "$W/src/run_test.sh" "$W/run_test.orig"
cat >"$W/wrap.sh" <<'EOF'
__suite_mark() {
	local phase=preamble
	[[ -v only ]] && phase=section
	printf '%s %s %s\n' "$1" "$phase" "$2" >>"$DKMS_SUITE_MARKS"
}
__suite_label() {
	case $1 in
	run_with_expected_error) shift; local rc=$1; shift; echo "$* (exit $rc)" ;;
	run_status_with_expected_output) echo "status of $2" ;;
	*) echo "make.log $2" ;;
	esac
}
__suite_wrap() {
	local f=$1
	declare -F "$f" >/dev/null || return 0
	eval "__orig_$(declare -f "$f")"
	eval "$f() {
		local __rc=0
		__orig_$f \"\$@\" || __rc=\$?
		if ((__rc == 0)); then __suite_mark OK \"\$(__suite_label $f \"\$@\")\"; else
			__suite_mark FAIL \"\$(__suite_label $f \"\$@\")\"
			[[ \${SUITE_CONTINUE:-0} == 1 ]] || return \$__rc
		fi
	}"
}
__suite_wrap run_with_expected_error
__suite_wrap run_status_with_expected_output
__suite_wrap check_make_log_content
EOF
if grep -q "^echo 'Preparing a clean test environment'" "$W/run_test.orig"; then
	# the wrappers go just before that line
	awk -v wrap="$W/wrap.sh" '
		/^echo .Preparing a clean test environment.$/ {
			while ((getline l < wrap) > 0) print l
		}
		{ print }' "$W/run_test.orig" >"$W/src/run_test.sh"
	counted=1
else
	echo "run-dkms-suite: cannot find where to count checks; per-section results only" >&2
	counted=0
fi

# The script run inside each namespace: $1 = section, $2 = work dir.
cat >"$W/inner.sh" <<'EOF'
set -eu
section=$1 w=$2
for d in usr etc var boot; do
	[[ -d /$d ]] || continue
	mkdir -p "$w/upper/$d" "$w/work/$d"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$w/upper/$d,workdir=$w/work/$d" "/$d"
done
if [[ $MODE == reference ]]; then
	make -s -C "$SRC" install-debian >/dev/null
else
	install -D -m 0755 "$W/dkms" /usr/sbin/dkms
	install -d -m 0755 /etc/dkms/framework.conf.d /var/lib/dkms
	[[ -f /etc/dkms/framework.conf ]] ||
		printf '# DKMS framework configuration (defaults)\n' >/etc/dkms/framework.conf
	# dkms 3.x only warns about REMAKE_INITRD (dkms_deprecated_test sets it);
	# here it updates the initrd, which the suite's expected output lacks
	printf 'initrd_mode=none\n' >/etc/dkms/framework.conf.d/zz-upstream-suite.conf
	# another dkms's helpers would run instead of ours
	rm -f /usr/lib/dkms/dkms_autoinstaller /usr/lib/dkms/common.postinst /usr/lib/dkms/dkms-autopkgtest
	if [[ $UPSTREAM_AUTOINSTALLER == 1 ]]; then
		install -D -m 0755 "$SRC/dkms_autoinstaller" /usr/lib/dkms/dkms_autoinstaller
	fi
fi
cp -a "$SRC/run_test.sh" "$SRC/test" "$w/suite/"
cd "$w/suite"
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root TERM=dumb KERNEL_VER="$KERNEL_VER" \
	DKMS_SUITE_MARKS="$w/marks" SUITE_CONTINUE="$SUITE_CONTINUE" \
	bash ./run_test.sh "$section"
EOF

printf 'dkms test suite from %s against %s, kernel %s\n' "$DKMS_SRC" \
	"$([[ $mode == ours ]] && echo "$DKMS_BIN ($("$DKMS_BIN" --version 2>&1))" || echo "the checkout itself (make install-debian)")" \
	"$KERNEL_VER"
printf '%-22s %6s %6s %6s %7s  %s\n' section passed failed exit time "first failure"
tp=0 tf=0 nfail=0 start_all=$SECONDS
for s in "${sections[@]}"; do
	w=$W/run/$s
	mkdir -p "$w/suite"
	: >"$w/marks"
	start=$SECONDS
	MODE=$mode SRC=$W/src W=$W KERNEL_VER=$KERNEL_VER SUITE_CONTINUE=${SUITE_CONTINUE:-0} \
		UPSTREAM_AUTOINSTALLER=${UPSTREAM_AUTOINSTALLER:-1} \
		unshare -m --propagation private bash "$W/inner.sh" "$s" "$w" >"$LOGS/$s.log" 2>&1 </dev/null
	rc=$?
	secs=$((SECONDS - start))
	p=$(grep -c '^OK section ' "$w/marks")
	f=$(grep -c '^FAIL ' "$w/marks")
	pre_fail=$(grep -c '^FAIL preamble ' "$w/marks")
	cp "$w/marks" "$LOGS/$s.checks"
	first=
	if ((rc != 0 || f != 0)); then
		first=$(grep -m1 '^FAIL ' "$w/marks" | cut -d' ' -f3-)
		[[ -z $first ]] && first="aborted: $(grep -m1 -E '^Error|Error:' "$LOGS/$s.log" || tail -1 "$LOGS/$s.log")"
		grep -q '\*\*\* All tests successful' "$LOGS/$s.log" || nfail=$((nfail + 1))
		((f == 0)) && f=1 && ((counted)) && first="$first (not a counted check)"
	fi
	((pre_fail)) && first="preamble: $first"
	tp=$((tp + p)) tf=$((tf + f))
	printf '%-22s %6d %6d %6d %6ds  %s\n' "$s" "$p" "$f" "$rc" "$secs" "${first:0:120}"
	rm -rf "$w"
done
printf '%-22s %6d %6d %6s %6ds\n' total "$tp" "$tf" "" $((SECONDS - start_all))
for s in "${sections[@]}"; do
	grep -q '\*\*\* All tests successful' "$LOGS/$s.log" && continue
	echo
	echo "== $s: first failure ($LOGS/$s.log)"
	grep -m1 -B1 -A24 -E '^--- test_cmd_expected|^Error' "$LOGS/$s.log" | head -26 | sed 's/^/   /'
done
echo "logs: $LOGS/<section>.log, checks: $LOGS/<section>.checks"
((nfail == 0 && tf == 0))
