# Golden-output harness for the CLI scenarios; sourced by tests/cli/*.sh.
#
# Each scenario runs dkms ($DKMS_BIN) step by step in a private tree:
#   $T/src (source tree), $T/tree (dkms tree), $T/inst/<K>/build -> headers,
#   $T/etc (DKMS_ETC_DIR), $T/os-release (DKMS_OS_RELEASE), $T/fx (fixture copies).
# A step's record is: its merged stdout+stderr (normalised), "[exit N]", then
# `dkms status`, a listing of the dkms tree and a listing of the install tree.
# The record must equal tests/cli/expected/<scenario>/<step>.out byte for byte.
#
# Environment:
#   DKMS_BIN      program under test (default build/dkms); may be "bash /path/dkms"
#   REGEN=1       write the expected files instead of comparing (regen-expected.sh)
#   CLI_BIND_ETC  1: the program reads the real /etc/dkms and /etc/os-release (the
#                 bash reference does); the scenario then re-executes itself in a
#                 private mount namespace with $T/etc and $T/os-release bound over
#                 them. Default: 1 when DKMS_BIN is a script, else 0.

CLI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=${TOP:-$(cd "$CLI_DIR/../.." && pwd)}
SCENARIO=$(basename "$0" .sh)
FIX=$TOP/tests/fixtures/cli
EXP=$CLI_DIR/expected/$SCENARIO
DKMS_BIN=${DKMS_BIN:-$TOP/build/dkms}
read -ra DKMS_CMD <<<"$DKMS_BIN"

if [ -z "${CLI_BIND_ETC:-}" ]; then
	CLI_BIND_ETC=0
	if [ "${#DKMS_CMD[@]}" -gt 1 ] || [ "$(head -c2 "${DKMS_CMD[0]}" 2>/dev/null)" = '#!' ]; then
		CLI_BIND_ETC=1
	fi
fi
if [ "$CLI_BIND_ETC" = 1 ] && [ -z "${CLI_IN_NS:-}" ]; then
	exec env CLI_IN_NS=1 CLI_BIND_ETC=1 unshare -m --propagation private -- bash "$0" "$@"
fi

# shellcheck source=../lib.sh
. "$TOP/tests/lib.sh"

if ! command -v "${DKMS_CMD[0]}" >/dev/null 2>&1 && [ ! -x "${DKMS_CMD[0]}" ]; then
	echo "1..0 # SKIP $DKMS_BIN not built"
	exit 0
fi
K=$(headers_kernel)
if [ -z "$K" ]; then
	echo "1..0 # SKIP no kernel headers installed"
	exit 0
fi
HDR=/usr/src/linux-headers-$K
ARCH=$(uname -m)
# A second kernel name for multi-kernel steps: same headers, other release.
K2=${K%%-*}-99-cli

mkdir -p "$T"/{src,tree,inst/"$K",etc,fx,work}
ln -s "$HDR" "$T/inst/$K/build"
# The reference reads framework.conf.d/ and the per-module dirs from /etc/dkms.
mkdir -p "$T/etc/framework.conf.d"

# os_release ID [ID_LIKE]: write $T/os-release in place (it may be bind-mounted).
os_release() {
	{
		echo "PRETTY_NAME=\"CLI test system\""
		echo "NAME=\"CLI test\""
		echo "VERSION_ID=\"12\""
		echo "ID=$1"
		[ -n "${2:-}" ] && echo "ID_LIKE=\"$2\""
		true
	} >"$T/os-release"
}
os_release debian

unset sign_file post_transaction ADDON_MODULES_DIR symlink_modules autoinstall_all_kernels \
	modprobe_on_install build_environment tmp_location verbose 2>/dev/null
export DKMS_ETC_DIR=$T/etc DKMS_OS_RELEASE=$T/os-release parallel_jobs=1 \
	try_sign_modules=false mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub
export LC_ALL=C

if [ "$CLI_BIND_ETC" = 1 ]; then
	mount --bind "$T/etc" /etc/dkms || { echo "Bail out! cannot bind $T/etc over /etc/dkms"; exit 1; }
	mount --bind "$T/os-release" /etc/os-release || { echo "Bail out! cannot bind os-release"; exit 1; }
fi

# add_kernel NAME: a second kernel in the install tree, using the same headers.
add_kernel() {
	mkdir -p "$T/inst/$1"
	ln -s "$HDR" "$T/inst/$1/build"
}

# fx FIXTURE [DEST]: copy a fixture to $T/fx/FIXTURE (or DEST); prints the path.
fx() {
	local dest=${2:-$T/fx/$1}
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")"
	cp -a "$FIX/$1" "$dest"
}

# src FIXTURE M-V: put a fixture into the source tree as $T/src/M-V.
src() { fx "$1" "$T/src/$2"; }

normalize() {
	local etc=()
	# the reference reads /etc/dkms, bound to $T/etc
	[ "$CLI_BIND_ETC" = 1 ] && etc=(-e "s|/etc/dkms/|$T/etc/|g")
	sed "${etc[@]}" -e "s|$T|@T@|g" \
		-e "s|$K2|@KVER2@|g" \
		-e "s|${K%-*}-common|@KCOMMON@|g" \
		-e "s|$K|@KVER@|g" \
		-e "s|/\.tmp_${ARCH}_[A-Za-z0-9]\{6\}|/.tmp_${ARCH}_XXXXXX|g" \
		-e 's|DKMS (dkms-[^)]*)|DKMS (dkms-@VERSION@)|' \
		-e 's|^dkms-[0-9][0-9.]*$|dkms-@VERSION@|' \
		-e 's|^Usage: [^ ]*dkms |Usage: dkms |' \
		-e 's/\.\.\.\.*\( done\.\|(bad exit status\)/...\1/' \
		-e '/^[.+*][.+*]*$/d' -e '/^-----$/d' \
		-e '/^Adding linked weak modules/d' -e '/^Removing linked weak modules/d' -e '/weak-modules2\{0,1\}: No such file/d'
}

# Dropped above: the lines openssl req prints while making a key (only dots,
# pluses and stars, and "-----"), and weak-modules noise (rhel/suse only, and
# the tool is absent here), as dkms's run_test.sh does.

tree_listing() {
	local root=$1
	[ -d "$root" ] || return 0
	# ./.dkms.lock: our build/dkms locks the tree (an extra of ours; dkms's
	# globs skip dot files, so the two stay compatible). Not listed.
	(cd "$root" && find . -mindepth 1 \( -path ./.dkms.lock -o -path './*/*/build/*' -o -path "./$K/build" -o -path "./$K2/build" \) -prune -o ! -name .dkms.lock -print | LC_ALL=C sort) |
		while IFS= read -r p; do
			if [ -L "$root/$p" ]; then
				echo "$p -> $(readlink "$root/$p")"
			elif [ -d "$root/$p" ]; then
				echo "$p/"
			elif [[ $p == *.origin || $p == */.dep_* ]]; then
				echo "$p: $(cat "$root/$p")"
			else
				echo "$p"
			fi
		done | normalize
}

dkms_tree() { "${DKMS_CMD[@]}" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" "$@"; }

snapshot() {
	echo "--- status"
	dkms_tree status 2>&1 </dev/null | normalize
	echo "--- dkms tree"
	tree_listing "$T/tree"
	echo "--- install tree"
	tree_listing "$T/inst"
}

# compare NAME FILE: compare (or, with REGEN=1, store) a record.
# DIVERGE="reason" marks a step whose expected file encodes the correct
# behaviour where dkms 3.4.3 is wrong: it is never regenerated, and a mismatch
# while running the reference is a TAP TODO.
compare() {
	local name=$1 act=$2 exp=$EXP/$1.out
	if [ "${REGEN:-}" = 1 ] && [ -z "${DIVERGE:-}" ]; then
		mkdir -p "$EXP"
		cp "$act" "$exp"
		ok "$name (regenerated)"
		return
	fi
	if [ "${REGEN:-}" = 1 ]; then
		# a diverging step: keep the hand-written file, leave the reference's
		# record beside it for review
		mkdir -p "$EXP"
		cp "$act" "$exp.ref"
	fi
	if [ ! -f "$exp" ]; then
		not_ok "$name (no expected file $exp)"
		diag <"$act"
	elif diff -u "$exp" "$act" >"$T/.diff" 2>&1; then
		ok "$name"
	elif [ -n "${DIVERGE:-}" ] && [ "$CLI_BIND_ETC" = 1 ]; then
		not_ok "$name # TODO reference differs: $DIVERGE"
	else
		not_ok "$name"
		diag <"$T/.diff"
	fi
}

# run NAME CMD...: a step running any command (cwd $T/work).
run() {
	local name=$1 rc
	shift
	(cd "$T/work" && "$@") >"$T/.raw" 2>&1 </dev/null
	rc=$?
	{
		normalize <"$T/.raw"
		echo "[exit $rc]"
		[ -n "${NOSNAP:-}" ] || snapshot
	} >"$T/.rec"
	compare "$name" "$T/.rec"
}

# dk NAME ARGS...: a step running dkms with the private trees.
dk() {
	local name=$1
	shift
	run "$name" dkms_tree "$@"
}

# logcheck NAME FILE: compare a make.log (or post_transaction.log): the date
# line and elapsed times are replaced.
logcheck() {
	local name=$1 f=$2
	if [ -f "$f" ]; then
		sed -E -e '2s/.*/<date>/' -e 's/^# elapsed time: [0-9]+:[0-9]+:[0-9]+$/# elapsed time: <hh:mm:ss>/' "$f" | normalize >"$T/.rec"
	else
		echo "(missing ${f#"$T"/})" | normalize >"$T/.rec"
	fi
	compare "$name" "$T/.rec"
}

finish() {
	echo "1..$_tap_n"
}
