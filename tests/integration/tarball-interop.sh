#!/bin/bash
# dkms tarballs made here load with Debian's dkms (and dkms 3.4.3 when its
# source is at /tmp/ref), and tarballs made by them are read here.
# Uses build/tests/test-tarball's "tool" mode (the library API, see
# tests/unit/test-tarball.c) and runs every dkms in private trees.
. "$(dirname "$0")/../lib.sh"

TOOL=${TARBALL_TOOL:-$TOP/build/tests/test-tarball}
PEER=${PEER_DKMS:-/usr/sbin/dkms}
REF=${DKMS_REF:-/tmp/ref/dkms} # dkms 3.4.3 (README, Tests: how to get it)
K=$(headers_kernel)
A=$(uname -m)

echo "1..36"
if [ ! -x "$TOOL" ] || [ ! -x "$PEER" ] || [ -z "$K" ] || [ "$(id -u)" != 0 ]; then
	for i in $(seq 36); do skip "tarball interop $i" "needs $TOOL, $PEER, kernel headers and root"; done
	exit 0
fi

export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub try_sign_modules=false

# newtree DIR: a private dkms tree set (src, tree, inst/$K/build)
newtree() {
	mkdir -p "$1"/{src,tree,inst/"$K"}
	ln -s "/usr/src/linux-headers-$K" "$1/inst/$K/build"
}
# peer DIR ARGS...: Debian's dkms on DIR's trees
peer() { local d=$1; shift; (cd "$d" && "$PEER" --dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/inst" "$@"); }
ref() { local d=$1; shift; (cd "$d" && bash "$REF" --dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/inst" "$@"); }

# A tiny module, written here.
P=$T/peer
newtree "$P"
M=$P/src/tinymod-1.0
mkdir -p "$M/sub"
cat >"$M/tinymod.c" <<'EOF'
#include <linux/module.h>
static int __init tinymod_init(void) { return 0; }
static void __exit tinymod_exit(void) { }
module_init(tinymod_init);
module_exit(tinymod_exit);
MODULE_LICENSE("GPL");
EOF
echo 'obj-m := tinymod.o' >"$M/Makefile"
cat >"$M/dkms.conf" <<'EOF'
PACKAGE_NAME=tinymod
PACKAGE_VERSION=1.0
BUILT_MODULE_NAME[0]=tinymod
DEST_MODULE_LOCATION[0]=/updates
AUTOINSTALL=no
EOF
echo notes >"$M/sub/README"
ln -s sub/README "$M/readme-link"

add_build() { peer "$P" add -m tinymod -v 1.0 && peer "$P" build -m tinymod -v 1.0 -k "$K"; }
check "peer adds and builds the tiny module" add_build
KO=$P/tree/tinymod/1.0/$K/$A/module/tinymod.ko
BUILT=$P/tree/tinymod/1.0/$K/$A

# ------------------------------------------------------- peer -> ours
peer "$P" mktarball -m tinymod -v 1.0 -k "$K" >"$T/mk.out" 2>&1
PEER_TGZ=$(ls "$P/tree/tinymod/1.0/tarball/"*.dkms.tar.gz 2>/dev/null | head -1)
check "peer mktarball wrote its default tarball" test -s "$PEER_TGZ"
check "our default name equals the peer's" \
	test "$(basename "$PEER_TGZ")" = "$("$TOOL" tool name tinymod 1.0 "$K" "$A")"
cp "$PEER_TGZ" "$T/peer.dkms.tar.gz"
PEER_TGZ=$T/peer.dkms.tar.gz

expect_rc "we extract the peer's tarball" 0 "$TOOL" tool extract "$PEER_TGZ" "$T/x1"
"$TOOL" tool inspect "$T/x1" >"$T/inspect1" 2>&1
cat >"$T/want1" <<EOF
main_tree yes
source_tree_conf $T/x1/dkms_source_tree/dkms.conf
binaries_only_conf -
plain_conf -
kernel $K/$A
EOF
expect_same "we inspect the peer's tarball" "$T/want1" "$T/inspect1"
check "the module in the peer's tarball is the built one" \
	cmp "$KO" "$T/x1/dkms_main_tree/$K/$A/module/tinymod.ko"
check "the source symlink came through" test "$(readlink "$T/x1/dkms_source_tree/readme-link")" = sub/README

peer "$P" mktarball -m tinymod -v 1.0 -k "$K" --binaries-only --archive "$T/peer-bin.tar.xz" >/dev/null 2>&1
expect_rc "we extract the peer's binaries-only .tar.xz" 0 "$TOOL" tool extract "$T/peer-bin.tar.xz" "$T/x2"
"$TOOL" tool inspect "$T/x2" >"$T/inspect2" 2>&1
cat >"$T/want2" <<EOF
main_tree yes
source_tree_conf -
binaries_only_conf $T/x2/dkms_binaries_only/dkms.conf
plain_conf -
kernel $K/$A
EOF
expect_same "we inspect the peer's binaries-only tarball" "$T/want2" "$T/inspect2"
check "PACKAGE_NAME/PACKAGE_VERSION as dkms writes them" \
	test "$(cat "$T/x2/dkms_binaries_only/PACKAGE_NAME" "$T/x2/dkms_binaries_only/PACKAGE_VERSION")" = "tinymod
1.0"

peer "$P" mktarball -m tinymod -v 1.0 --source-only --archive "$T/peer-src.tar" >/dev/null 2>&1
expect_rc "we extract the peer's source-only .tar" 0 "$TOOL" tool extract "$T/peer-src.tar" "$T/x3"
"$TOOL" tool inspect "$T/x3" >"$T/inspect3" 2>&1
cat >"$T/want3" <<EOF
main_tree yes
source_tree_conf $T/x3/dkms_source_tree/dkms.conf
binaries_only_conf -
plain_conf -
EOF
expect_same "we inspect the peer's source-only tarball" "$T/want3" "$T/inspect3"

if [ -r "$REF" ]; then
	ref "$P" mktarball -m tinymod -v 1.0 -k "$K" --archive "$T/ref.tar.zst" >/dev/null 2>&1
	expect_rc "we extract dkms 3.4.3's .tar.zst" 0 "$TOOL" tool extract "$T/ref.tar.zst" "$T/x4"
	check "and find the module and the source" \
		bash -c "cmp '$KO' '$T/x4/dkms_main_tree/$K/$A/module/tinymod.ko' && test -f '$T/x4/dkms_source_tree/dkms.conf'"
else
	skip "we extract dkms 3.4.3's .tar.zst" "no dkms 3.4.3 at $REF (set DKMS_REF, see README Tests)"
	skip "and find the module and the source" "no dkms 3.4.3 at $REF (set DKMS_REF, see README Tests)"
fi

# ------------------------------------------------------- ours -> peer
SRCDIR=$P/tree/tinymod/1.0/source
"$TOOL" tool create "$T/ours.dkms.tar.gz" tinymod 1.0 source "$SRCDIR" "$SRCDIR/dkms.conf" "$K" "$A" "$BUILT" >"$T/create.out" 2>&1
cat >"$T/create.want" <<EOF
Marking modules for $K ($A) for archiving...

Marking $SRCDIR for archiving...

Tarball location: $T/ours.dkms.tar.gz
EOF
expect_same "our create prints dkms's lines" "$T/create.want" "$T/create.out"

L1=$T/l1
newtree "$L1"
expect_rc "the peer loads our tarball" 0 peer "$L1" ldtarball "$T/ours.dkms.tar.gz"
check "the peer sees it built" \
	test "$(peer "$L1" status 2>/dev/null)" = "tinymod/1.0, $K, $A: built"
check "with our module bytes" cmp "$KO" "$L1/tree/tinymod/1.0/$K/$A/module/tinymod.ko"
check "and the source in its source tree" cmp "$M/tinymod.c" "$L1/src/tinymod-1.0/tinymod.c"

"$TOOL" tool create "$T/ours-bin.tar.zst" tinymod 1.0 binaries "$SRCDIR" "$SRCDIR/dkms.conf" "$K" "$A" "$BUILT" >/dev/null 2>&1
L2=$T/l2
newtree "$L2"
peer "$L2" ldtarball "$T/ours-bin.tar.zst" >"$T/l2.out" 2>&1
check "the peer loads our binaries-only .tar.zst" \
	bash -c "cmp '$KO' '$L2/tree/tinymod/1.0/$K/$A/module/tinymod.ko' && cmp '$M/dkms.conf' '$L2/tree/tinymod/1.0/source/dkms.conf'"

"$TOOL" tool create "$T/ours-src.tar.xz" tinymod 1.0 source-only "$SRCDIR" "$SRCDIR/dkms.conf" >/dev/null 2>&1
L3=$T/l3
newtree "$L3"
expect_rc "the peer loads our source-only .tar.xz" 0 peer "$L3" ldtarball "$T/ours-src.tar.xz"
check "the peer sees it added" test "$(peer "$L3" status 2>/dev/null)" = "tinymod/1.0: added"

if [ -r "$REF" ]; then
	L4=$T/l4
	newtree "$L4"
	expect_rc "dkms 3.4.3 loads our tarball" 0 ref "$L4" ldtarball "$T/ours.dkms.tar.gz"
	check "dkms 3.4.3 sees it built" \
		test "$(ref "$L4" status 2>/dev/null)" = "tinymod/1.0, $K, $A: built"
else
	skip "dkms 3.4.3 loads our tarball" "no dkms 3.4.3 at $REF (set DKMS_REF, see README Tests)"
	skip "dkms 3.4.3 sees it built" "no dkms 3.4.3 at $REF (set DKMS_REF, see README Tests)"
fi

# ------------------------------------------------------- plain and hostile tarballs from GNU tar
tar -C "$P/src" -czf "$T/plain.tar.gz" tinymod-1.0
"$TOOL" tool extract "$T/plain.tar.gz" "$T/x5" >/dev/null 2>&1
check "a plain source tarball: its dkms.conf is found" \
	test "$("$TOOL" tool inspect "$T/x5" | grep plain_conf)" = "plain_conf $T/x5/tinymod-1.0/dkms.conf"

mkdir -p "$T/h/pkg"
echo x >"$T/h/pkg/dkms.conf"
ln -s ../../../etc "$T/h/pkg/etc"
tar -C "$T/h" -czf "$T/escape.tar.gz" pkg
mkdir "$T/hx"
expect_rc "GNU tar's escaping symlink is refused" 1 "$TOOL" tool extract "$T/escape.tar.gz" "$T/hx/dest"
check "and nothing is left behind" test -z "$(ls -A "$T/hx")"
tar -czf "$T/abs.tar.gz" -P "$T/h/pkg/dkms.conf"
expect_rc "GNU tar's absolute name is refused" 1 "$TOOL" tool extract "$T/abs.tar.gz" "$T/hx/dest"

# ------------------------------------------------------- two kernels
# A second "built" kernel: a copy of the first under another name (mktarball
# only looks at the directory). Debian's 3.0.10 names such a tarball right but
# archives only the first kernel (`local -r` in its loop); 3.4.3 archives both.
FAKE=6.1.0-999-fake
cp -r "$BUILT/.." "$P/tree/tinymod/1.0/$FAKE"
rm -f "$P/tree/tinymod/1.0/tarball/"*
peer "$P" mktarball -m tinymod -v 1.0 -k "$K" -k "$FAKE" >/dev/null 2>&1
check "our two-kernel default name equals the peer's" \
	test "$(ls "$P/tree/tinymod/1.0/tarball/")" = "$("$TOOL" tool name tinymod 1.0 "$K" "$A" "$FAKE" "$A")"
if [ -r "$REF" ]; then
	ref "$P" mktarball -m tinymod -v 1.0 -k "$FAKE" -k "$K" --archive "$T/ref2.tgz" >/dev/null 2>&1
	"$TOOL" tool extract "$T/ref2.tgz" "$T/x6" >/dev/null 2>&1
	check "we list both kernels of dkms 3.4.3's tarball" \
		test "$("$TOOL" tool inspect "$T/x6" | grep ^kernel | tr '\n' ' ')" = "kernel $K/$A kernel $FAKE/$A "
else
	skip "we list both kernels of dkms 3.4.3's tarball" "no dkms 3.4.3 at $REF (set DKMS_REF, see README Tests)"
fi
"$TOOL" tool create "$T/two.tar.gz" tinymod 1.0 source "$SRCDIR" "" "$FAKE" "$A" "$P/tree/tinymod/1.0/$FAKE/$A" "$K" "$A" "$BUILT" >/dev/null 2>&1
L5=$T/l5
newtree "$L5"
peer "$L5" ldtarball "$T/two.tar.gz" >/dev/null 2>&1
# Both dkms versions load only the first <k>/<arch> of a tarball (`local -r`
# in load_tarball's loop again: "... already exists. Skipping...").
check "the peer loads the first kernel of our two-kernel tarball" \
	cmp "$KO" "$L5/tree/tinymod/1.0/$K/$A/module/tinymod.ko"

# ------------------------------------------------------- build/dkms mktarball / ldtarball
if [ -x "$DKMS_BIN" ]; then
	ours() { local d=$1; shift; (cd "$d" && "$DKMS_BIN" --dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/inst" "$@"); }
	ours "$P" mktarball -m tinymod -v 1.0 -k "$K" --archive "$T/cli.tar.xz" >/dev/null 2>&1
	L6=$T/l6
	newtree "$L6"
	peer "$L6" ldtarball "$T/cli.tar.xz" >/dev/null 2>&1
	check "dkms mktarball here -> the peer's ldtarball: built" \
		test "$(peer "$L6" status 2>/dev/null)" = "tinymod/1.0, $K, $A: built"
	L7=$T/l7
	newtree "$L7"
	expect_rc "the peer's tarball -> dkms ldtarball here" 0 ours "$L7" ldtarball "$PEER_TGZ"
	check "both see it built" \
		bash -c "test \"\$(cd $L7 && $DKMS_BIN --dkmstree $L7/tree --sourcetree $L7/src --installtree $L7/inst status)\" = 'tinymod/1.0, $K, $A: built' && test \"\$(cd $L7 && $PEER --dkmstree $L7/tree --sourcetree $L7/src --installtree $L7/inst status)\" = 'tinymod/1.0, $K, $A: built'"
	L9=$T/l9
	newtree "$L9"
	ours "$L9" ldtarball "$T/two.tar.gz" >/dev/null 2>&1
	check "dkms ldtarball here loads both kernels of a two-kernel tarball" \
		bash -c "cmp '$KO' '$L9/tree/tinymod/1.0/$K/$A/module/tinymod.ko' && cmp '$KO' '$L9/tree/tinymod/1.0/$FAKE/$A/module/tinymod.ko'"
	L8=$T/l8
	newtree "$L8"
	ours "$L8" ldtarball "$T/escape.tar.gz" >"$T/l8.out" 2>&1
	echo "exit $?" >>"$T/l8.out"
	check "dkms ldtarball here refuses the escaping tarball, adding nothing" \
		bash -c "! grep -qx 'exit 0' '$T/l8.out' && grep -q \"Refusing to extract $T/escape.tar.gz: entry 'pkg/etc'\" '$T/l8.out' && test -z \"\$(ls -A '$L8/src')\" && test -z \"\$(ls '$L8/tree')\""
else
	for n in "dkms mktarball here -> the peer's ldtarball: built" "the peer's tarball -> dkms ldtarball here" \
		"both see it built" "dkms ldtarball here loads both kernels of a two-kernel tarball" \
		"dkms ldtarball here refuses the escaping tarball, adding nothing"; do
		skip "$n" "no $DKMS_BIN"
	done
fi
