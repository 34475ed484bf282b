# Shared helpers for the shell test groups; source it. Output is TAP.
# Each test group gets a private temp dir ($T) removed on exit.
set -u
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
DKMS_BIN=${DKMS_BIN:-$TOP/build/dkms}
T=$(mktemp -d "${TMPDIR:-/tmp}/dkms-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
_tap_n=0

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP ${2:-}"; }
diag() { sed 's/^/# /'; }

# check NAME CMD...: ok when CMD succeeds
check() {
	local name=$1; shift
	if "$@" >"$T/.check.out" 2>&1; then ok "$name"; else not_ok "$name"; diag <"$T/.check.out"; fi
}

# expect_output NAME EXPECTED_FILE_OR_STRING ACTUAL_FILE
expect_same() {
	local name=$1 exp=$2 act=$3
	if diff -u "$exp" "$act" >"$T/.diff" 2>&1; then ok "$name"; else not_ok "$name"; diag <"$T/.diff"; fi
}

# expect_rc NAME RC CMD...: ok when CMD exits with RC
expect_rc() {
	local name=$1 want=$2; shift 2
	"$@" >"$T/.rc.out" 2>&1
	local rc=$?
	if [ "$rc" = "$want" ]; then ok "$name"; else not_ok "$name (exit $rc, want $want)"; diag <"$T/.rc.out"; fi
}

# The kernel whose headers are installed (newest), or empty.
headers_kernel() {
	local d
	for d in $(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V -r); do
		[ -e "$d/include" ] && { echo "${d#/usr/src/linux-headers-}"; return; }
	done
}

# dk ARGS...: run $DKMS_BIN in the private trees $T/{tree,src,inst}; sets $rc,
# $T/out and $T/err.
dk() {
	"$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" \
		"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

# step NAME WANT_RC ARGS...: dk ARGS and check its exit code.
step() {
	local name=$1 want=$2
	shift 2
	dk "$@"
	if [[ $rc == "$want" ]]; then
		ok "$name"
	else
		not_ok "$name (exit $rc, want $want)"
		cat "$T/out" "$T/err" | tail -n 30 | diag
	fi
}
