#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Side by side with Debian's dkms (the peer, /usr/sbin/dkms) on real Debian
# *-dkms packages (tests/peer/packages.txt): each is added, built and
# installed by the peer and by our program ($DKMS_BIN), each in its own
# private tree, and the results must agree:
#   - the exit code of add, build and install,
#   - the `status` lines after each step (tree paths replaced),
#   - the files placed in the install tree (relative paths),
#   - the names of the built modules.
# The peer is dkms 3.0.10 and we follow 3.4.3, so messages are not compared.
#
# Packages come from `apt-get download` into $CACHE_DIR/corpus (reused when
# present); a package that cannot be fetched is skipped.
# Packages marked "slow" in packages.txt run only with CORPUS_FULL=1.
# CORPUS=name1,name2 limits the run to those packages.
# DKMS_PEER overrides the peer (default /usr/sbin/dkms); CORPUS_KEEP=1 keeps $T.
. "$(dirname "$0")/../lib.sh"

PEER=${DKMS_PEER:-/usr/sbin/dkms}
LIST=${CORPUS_LIST:-$TOP/tests/peer/packages.txt}
CACHE=${CORPUS_CACHE:-$CACHE_DIR/corpus}
K=$(headers_kernel)
JOBS=${CORPUS_JOBS:-2}

# Read the list: "name [slow]" per line, '#' comments.
pkgs=()
while read -r name flag _; do
	[[ -z $name || $name == \#* ]] && continue
	if [[ -n ${CORPUS:-} ]]; then
		[[ ,$CORPUS, == *,$name,* ]] || continue
	elif [[ $flag == slow && ${CORPUS_FULL:-0} != 1 ]]; then
		skip "$name" "slow package; run with CORPUS_FULL=1"
		continue
	fi
	pkgs+=("$name")
done <"$LIST"

if [[ -z $K ]]; then
	skip "corpus" "no kernel headers installed"; echo "1..$_tap_n"; exit 0
fi
if [[ $(id -u) != 0 ]]; then
	skip "corpus" "needs root (dkms add <dir> and install need uid 0)"; echo "1..$_tap_n"; exit 0
fi
if [[ ! -x $PEER ]]; then
	skip "corpus" "peer $PEER not installed (Debian package dkms)"; echo "1..$_tap_n"; exit 0
fi
if [[ ! -x $DKMS_BIN ]]; then
	not_ok "corpus: $DKMS_BIN is not built"; echo "1..$_tap_n"; exit 1
fi

mkdir -p "$CACHE"
# CORPUS_KEEP=1 keeps the trees for inspection (path printed).
[[ -n ${CORPUS_KEEP:-} ]] && { trap - EXIT; echo "# keeping $T"; }

# fetch NAME: print the path of the cached .deb, downloading it if needed.
fetch() {
	local name=$1 deb
	deb=$(ls "$CACHE/${name}"_*.deb 2>/dev/null | sort -V | tail -1)
	if [[ -z $deb ]]; then
		(cd "$CACHE" && apt-get download "$name") >"$T/.fetch.log" 2>&1 ||
			(cd "$CACHE" && apt-get update && apt-get download "$name") >>"$T/.fetch.log" 2>&1
		deb=$(ls "$CACHE/${name}"_*.deb 2>/dev/null | sort -V | tail -1)
	fi
	[[ -n $deb ]] && echo "$deb"
}

# setup SIDE: a private tree for one program.
setup() {
	local d=$T/$1
	rm -rf "$d"
	mkdir -p "$d"/{src,tree,inst/$K,etc}
	ln -s "/usr/src/linux-headers-$K" "$d/inst/$K/build"
	cat >"$d/os-release" <<-'EOF'
	PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
	NAME="Debian GNU/Linux"
	VERSION_ID="12"
	VERSION="12 (bookworm)"
	VERSION_CODENAME=bookworm
	ID=debian
	EOF
}

# run SIDE LOG ARGS...: run one program on its tree; output to LOG, returns rc.
run() {
	local side=$1 log=$2 prog d=$T/$1
	shift 2
	if [[ $side == peer ]]; then prog=$PEER; else prog=$DKMS_BIN; fi
	# Signing off: 3.4.3 and ours honour try_sign_modules=false; the peer
	# (3.0.10) skips signing when sign_file does not exist.
	env mok_signing_key="$d/mok.key" mok_certificate="$d/mok.pub" \
		try_sign_modules=false sign_file="$d/no-sign-file" \
		DKMS_ETC_DIR="$d/etc" DKMS_OS_RELEASE="$d/os-release" \
		"$prog" --dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/inst" \
		"$@" </dev/null >"$log" 2>&1
}

# status SIDE: the status lines, tree paths replaced by @T.
status_lines() {
	local d=$T/$1
	run "$1" "$T/.status.$1" status
	echo "# exit $?"
	sed -e "s|$d|@T|g" "$T/.status.$1" |
		grep -E '^[^ ,:]+/[^ ,:]+(, [^,]+, [^,:]+)?: ' || true
}

# the_module SIDE: "m/v" of the module added to SIDE's tree.
the_module() {
	local s
	for s in "$T/$1"/tree/*/*/source; do
		[[ -L $s ]] || continue
		s=${s%/source}
		echo "${s#$T/$1/tree/}"
		return
	done
}

total_start=$SECONDS
for pkg in "${pkgs[@]}"; do
	deb=$(fetch "$pkg")
	if [[ -z $deb ]]; then
		skip "$pkg" "cannot download (apt-get download $pkg)"
		diag <"$T/.fetch.log"
		continue
	fi
	x=$T/x/$pkg
	rm -rf "$x"; mkdir -p "$x"
	dpkg-deb -x "$deb" "$x"
	srcdir=$(dirname "$(ls "$x"/usr/src/*/dkms.conf 2>/dev/null | head -1)")
	if [[ ! -f $srcdir/dkms.conf ]]; then
		not_ok "$pkg: no usr/src/<name>-<ver>/dkms.conf in $deb"
		continue
	fi

	declare -A rc=() secs=()
	for side in peer ours; do
		setup "$side"
		start=$SECONDS
		out=$T/$side.out
		: >"$out"
		run "$side" "$T/$side.add.log" add "$srcdir"; rc[$side.add]=$?
		mv_=$(the_module "$side")
		[[ -z $mv_ ]] && mv_=$(the_module peer)
		{ echo "## after add"; status_lines "$side"; } >>"$out"
		run "$side" "$T/$side.build.log" build -j "$JOBS" -k "$K" "$mv_"; rc[$side.build]=$?
		{ echo "## after build"; status_lines "$side"; } >>"$out"
		run "$side" "$T/$side.install.log" install -j "$JOBS" -k "$K" --no-depmod "$mv_"; rc[$side.install]=$?
		{ echo "## after install"; status_lines "$side"; } >>"$out"
		secs[$side]=$((SECONDS - start))
		(cd "$T/$side/inst" && find . -path ./"$K"/build -prune -o ! -type d -print | sort) >"$T/$side.files"
		ls "$T/$side/tree/$mv_/$K"/*/module/ 2>/dev/null |
			sed -n 's/\.ko\(\.[a-z0-9]*\)\{0,1\}$//p' | sort >"$T/$side.modules"
	done
	echo "# $pkg ($mv_): peer ${secs[peer]}s, ours ${secs[ours]}s;" \
		"peer exit codes add ${rc[peer.add]} build ${rc[peer.build]} install ${rc[peer.install]};" \
		"$(wc -l <"$T/peer.modules") modules, $(wc -l <"$T/peer.files") files installed"
	for step in add build install; do
		p=${rc[peer.$step]} o=${rc[ours.$step]}
		if [[ $p == "$o" ]]; then
			ok "$pkg: $step exits $p like the peer"
		else
			not_ok "$pkg: $step exits $o, the peer $p"
			diag <"$T/ours.$step.log"
			echo "# --- peer:"; diag <"$T/peer.$step.log"
		fi
	done
	expect_same "$pkg: status lines agree (peer vs ours)" "$T/peer.out" "$T/ours.out"
	expect_same "$pkg: installed files agree (peer vs ours)" "$T/peer.files" "$T/ours.files"
	expect_same "$pkg: built modules agree (peer vs ours)" "$T/peer.modules" "$T/ours.modules"
	unset rc secs
	[[ -n ${CORPUS_KEEP:-} ]] || rm -rf "$T/peer" "$T/ours" "$x"
done
echo "# corpus total: $((SECONDS - total_start))s for ${#pkgs[@]} packages"
echo "1..$_tap_n"
