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

# Where downloads are kept between runs: linux-source, kernel images, corpus
# packages (git-ignored).
CACHE_DIR=${DKMS_CACHE:-$TOP/.cache}

# dk_build M/V KERNEL: `dk build M/V -k KERNEL` for a test whose point is what
# comes after the build (disks, fragments, boots), done once per run of
# tests/run-all.sh (which sets DKMS_TEST_RUN): when another group of the run
# built the same source for the same headers with the same compiler, program
# and settings, its binaries-only tarball is loaded with `dkms ldtarball
# --force` (dkms's own way to take prebuilt modules) instead. M/V must be
# added. Signed builds, runs as non-root and runs outside run-all.sh always
# build. Sets $rc, $T/out and $T/err as dk does.
dk_build() {
	local mv=$1 k=$2 cache=${DKMS_TEST_RUN:+$DKMS_TEST_RUN/builds} key tgz lk
	if [[ -z $cache || ${try_sign_modules:-} != false || $(id -u) != 0 ]] ||
		! key=$(_build_key "$mv" "$k"); then
		dk build "$mv" -k "$k"
		return
	fi
	mkdir -p "$cache"
	tgz=$cache/${mv%%/*}-$key.tar.gz
	# one build of a key at a time: a second group waits and loads it
	exec {lk}>"$tgz.lock"
	flock "$lk"
	if [[ -s $tgz ]]; then
		dk ldtarball --force "$tgz"
		# as dkms 3.4.3: --force on an added m/v loads the build, then exits 3
		# ("DKMS tree already contains"): what the caller wanted is there when
		# the tree holds the module (a group may redefine dk's output files)
		if ((rc == 3)) && compgen -G "$T/tree/$mv/$k/*/module/*.ko*" >/dev/null; then
			rc=0
		fi
		echo "# $mv for $k: loaded from this run's build (${tgz##*/})"
	else
		dk build "$mv" -k "$k"
		if ((rc == 0)); then
			mv "$T/out" "$T/out.build" && mv "$T/err" "$T/err.build"
			# written whole or not at all: a killed run leaves no half tarball
			dk mktarball "$mv" -k "$k" --binaries-only --archive "$tgz.$$.tmp.tar.gz" &&
				((rc == 0)) && mv "$tgz.$$.tmp.tar.gz" "$tgz"
			rm -f "$tgz.$$.tmp.tar.gz"
			mv "$T/out.build" "$T/out" && mv "$T/err.build" "$T/err"
			rc=0
		fi
	fi
	exec {lk}>&-
}

# step_built NAME M/V KERNEL: dk_build M/V KERNEL and check it exits 0.
step_built() {
	local name=$1
	dk_build "$2" "$3"
	if [[ $rc == 0 ]]; then
		ok "$name"
	else
		not_ok "$name (exit $rc, want 0)"
		cat "$T/out" "$T/err" | tail -n 30 | diag
	fi
}

# _build_key M/V KERNEL: a hash of everything a build of M/V for KERNEL reads:
# the source tree (names, modes, contents), the headers (contents of the files
# that change with every kernel build, and path, size and mtime of every
# other file, the common headers and kbuild through the links included), the
# compiler, the program, and its settings.
_build_key() {
	local mv=$1 k=$2 src hdr dirs d c
	src=$(readlink -f "$T/tree/$mv/source") && [[ -d $src ]] || return 1
	hdr=$(readlink -f "$T/inst/$k/build") && [[ -d $hdr ]] || return 1
	dirs=("$hdr")
	# Debian's headers: "include /usr/src/linux-headers-K-common/Makefile"
	for d in $(sed -n 's|^include \(/.*\)/Makefile$|\1|p' "$hdr/Makefile" 2>/dev/null); do
		[[ -d $d ]] && dirs+=("$d")
	done
	c=$(sed -n 's/^CC = .*)\([^ ]*\)$/\1/p' "$hdr/.kernelvariables" 2>/dev/null)
	{
		echo "kernel $k"
		(cd "$src" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort &&
			find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
		(cd "$hdr" && sha256sum .config Module.symvers include/generated/utsrelease.h \
			include/generated/autoconf.h .kernelvariables 2>&1)
		find -L "${dirs[@]}" -printf '%p %y %s %T@\n' 2>&1 | LC_ALL=C sort
		for c in ${c:-gcc} gcc ld as; do
			c=$(command -v "$c") && readlink -f "$c" && "$c" --version 2>&1 | head -n1
		done
		c=$(gcc -print-prog-name=cc1 2>/dev/null) && stat -L -c '%n %s %Y' "$c"
		sha256sum "$DKMS_BIN"
		env | grep -E '^(build_environment|compress_[a-z]+_opts|parallel_jobs|verbose|try_sign_modules|sign_file)=' | LC_ALL=C sort
		for d in "${DKMS_ETC_DIR:-/etc/dkms}"/framework.conf "${DKMS_ETC_DIR:-/etc/dkms}"/framework.conf.d/*; do
			[[ -f $d ]] && sha256sum "$d"
		done
	} | sha256sum | cut -c1-32
}
