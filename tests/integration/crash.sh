#!/bin/bash
# Crash consistency as a property (issue 10, item 3). A private tree with a
# real kernel's headers, a boot dir with a real initramfs image (a gzip'd
# newc cpio made by a small generator, initrd_generator=), REMAKE_INITRD=yes,
# in fragment and in regenerate mode:
#
# - every step an install, uninstall, remove, ldtarball or autoinstall passes
#   (DKMS_FAILPOINT_TRACE lists them) is a kill -9 (DKMS_FAILPOINT=<N>); then
#   the next command (status, and separately install/autoinstall) must find
#   a consistent state: "installed" <=> the module is in the install tree
#   <=> the image holds it (build/dkms lsinitrd), the image is the original
#   bytes or holds the complete new content, the fragment record agrees with
#   the image, the journal is empty, TMPDIR and the boot dir hold nothing of
#   the run;
# - every write the run makes through the project's file helpers fails once
#   with ENOSPC (DKMS_FAILWRITE=<N>), with the same assertions;
# - kill -9 of the whole process group at random delays (seeded; the seed is
#   printed) during install with a real kbuild, and during uninstall;
# - a really full boot dir (tmpfs in `unshare -m`): uninstall keeps the
#   module installed and the image unchanged, exit 6;
# - the cases issue 10 names: killed between the tree and the initrd step
#   then `install` again, a killed uninstall, a killed ldtarball then
#   ldtarball again then install.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
if [[ -z $K ]]; then
	skip "crash consistency" "no kernel headers installed"
	exit 0
fi
ARCH=$(uname -m)
S=$T/s                       # the state under test; snapshots in $T/snap
MODS=$S/root/lib/modules     # the install tree: depmod gets -b$S/root, no temp dir
IMG=$S/boot/initrd.img-$K
REC=$IMG.dkms-fragment
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub try_sign_modules=false
unset sign_file post_transaction parallel_jobs DKMS_FAILPOINT DKMS_FAILPOINT_TRACE DKMS_FAILWRITE
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release"
mkdir -p "$T"/{etc,tmp,snap} "$S"/{src,tree,boot} "$MODS/$K/kernel" "$S"/sysconf/{modprobe.d,dracut.conf.d,initramfs-tools/hooks}
ln -s "/usr/src/linux-headers-$K" "$MODS/$K/build"
touch "$MODS/$K"/modules.{order,builtin,builtin.modinfo}
depmod -b "$S/root" "$K"  # a modules.dep: the install's depmod step runs for real

# The generator: mkimage.sh OUT KERNEL MODULEDIR, the module tree as a gzip'd newc cpio.
cat >"$T/mkimage.sh" <<'EOF'
#!/bin/sh
set -e
out=$1 k=$2 moddir=$3
root=$(mktemp -d "$out.root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/modules/$k"
(cd "$moddir" && find . -path ./build -prune -o -print | cpio -pdm --quiet "$root/usr/lib/modules/$k")
ln -s usr/lib "$root/lib"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -n >"$out"
EOF
chmod +x "$T/mkimage.sh"

# mode MODE: framework.conf for fragment or regenerate.
mode() {
	MODE=$1
	{
		echo "bootdir=$S/boot"
		echo "initrd_sysconfdir=$S/sysconf"
		echo "initrd_generator=\"$T/mkimage.sh {image} {kernel} {moduledir}\""
		echo "initrd_mode=$1"
	} >"$T/etc/framework.conf"
}

# d ARGS...: dkms on the private trees, TMPDIR private; sets $rc, $T/out, $T/err.
d() {
	TMPDIR=$T/tmp "$DKMS_BIN" --dkmstree "$S/tree" --sourcetree "$S/src" --installtree "$MODS" \
		"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

save() { rm -rf "$T/snap/$1"; cp -a "$S" "$T/snap/$1"; }
restore() { rm -rf "$S" "$T/tmp"; mkdir -p "$T/tmp"; cp -a "$T/snap/$1" "$S"; }

# The package: examples/dkms_tiny as tiny_crash, REMAKE_INITRD=yes.
P=$S/src/tiny_crash-1.0
mkdir -p "$P"
sed "s/dkms_tiny/tiny_crash/g" "$TOP/examples/dkms_tiny/dkms.conf" >"$P/dkms.conf"
echo 'REMAKE_INITRD="yes"' >>"$P/dkms.conf"
sed "s/dkms_tiny/tiny_crash/g" "$TOP/examples/dkms_tiny/Makefile" >"$P/Makefile"
sed "s/dkms_tiny/tiny_crash/g" "$TOP/examples/dkms_tiny/dkms_tiny.c" >"$P/tiny_crash.c"

mode fragment
"$T/mkimage.sh" "$IMG" "$K" "$MODS/$K"
d add tiny_crash/1.0
[[ $rc == 0 ]] || { not_ok "add (exit $rc)"; diag <"$T/err"; exit 0; }
save added
d build -k "$K" tiny_crash/1.0
if [[ $rc == 0 ]]; then ok "setup: a real kbuild of examples/dkms_tiny"; else not_ok "setup: build (exit $rc)"; diag <"$T/out"; exit 0; fi
cp "$IMG" "$T/base.img"
save built
for m in fragment regenerate; do
	restore built
	mode $m
	d install -k "$K" tiny_crash/1.0
	[[ $rc == 0 ]] || { not_ok "setup: install in $m mode (exit $rc)"; diag <"$T/err"; }
	save "installed-$m"
done
# where dkms puts the module (the distribution's place), by the kernel's module dir
DKREL=$(cd "$T/snap/installed-fragment/root/lib/modules/$K" && find . -path ./build -prune -o -name 'tiny_crash.ko*' -print | sed 's|^\./||')
BASE=$T/base.img ORIG=
d mktarball tiny_crash/1.0 -k "$K" --archive="$T/tiny_crash.tar.gz"
[[ $rc == 0 ]] || { not_ok "setup: mktarball (exit $rc)"; diag <"$T/err"; }

# img_has_dkms: the image holds dkms's module (at its place, as the kernel unpacks it).
img_has_dkms() { "$DKMS_BIN" lsinitrd --verbose "$IMG" 2>/dev/null | grep -q " usr/lib/modules/$K/$DKREL\$"; }

# problems: what breaks consistency now, one line each (empty: consistent).
problems() {
	local st mod= has=no inst=no left
	d status tiny_crash -k "$K"
	st=$(sed -n "s|^tiny_crash/1.0, $K, $ARCH: ||p" "$T/out")
	grep -q '^dkms: recovered' "$T/err" && echo "a second status recovered again: $(cat "$T/err")"
	[[ -e $MODS/$K/$DKREL ]] && mod=$DKREL
	img_has_dkms && has=yes
	[[ $st == installed* ]] && inst=yes
	[[ $inst == yes && -z $mod ]] && echo "status installed, the module file is absent"
	[[ $inst == no && -n $mod ]] && echo "status '${st:-none}', the module file ${mod#"$S"/} is there"
	[[ $inst != "$has" ]] && echo "status '${st:-none}', the image holds the module: $has"
	if [[ -n $ORIG && $inst == no ]]; then
		cmp -s "$T/orig.ko" "$MODS/$K/$ORIG" || echo "not installed, the original module is not back at $ORIG"
	fi
	[[ -n $ORIG && $inst == yes && -e $MODS/$K/$ORIG ]] && echo "installed, the original is still at $ORIG"
	if [[ $MODE == fragment && $inst == no ]]; then
		cmp -s "$BASE" "$IMG" || echo "not installed, the image is not the original bytes"
		[[ -e $REC ]] && echo "not installed, a fragment record is left"
	fi
	if [[ $MODE == fragment && $inst == yes ]]; then
		local size want
		size=$(stat -c %s "$IMG")
		want=$(awk -F= '/^original_size=/{o=$2} /^added_size=/{a=$2} END{print o+a}' "$REC" 2>/dev/null)
		[[ $size == "$want" ]] || echo "the fragment record (${want:-none}) does not agree with the image ($size bytes)"
	fi
	[[ -z $(ls -A "$S/tree/.journal" 2>/dev/null) ]] || echo "journal left: $(ls -A "$S/tree/.journal")"
	local tmp
	tmp=$(ls -A "$T/tmp" | grep -vxE "${TMP_ALLOWED:-}" | tr '\n' ' ')
	[[ -z $tmp ]] || echo "TMPDIR holds: $tmp"
	if [[ -n ${TMP_ALLOWED:-} ]] && ls -A "$T/tmp" | grep -qxE "$TMP_ALLOWED"; then
		echo "$(ls -A "$T/tmp" | grep -xE "$TMP_ALLOWED" | tr '\n' ' ')" >>"$T/tmp-notes"
	fi
	left=$(ls -A "$S/boot" | grep -vx -e "initrd.img-$K" -e "initrd.img-$K.dkms-fragment" -e "initrd.img-$K.old-dkms")
	[[ -z $left ]] || echo "boot dir holds: $left"
}

# consistent NAME: ok when problems finds nothing.
consistent() {
	local p
	p=$(problems)
	if [[ -z $p ]]; then ok "$1"; else not_ok "$1"; echo "$p" | diag; fi
}

# steps STATE ARGS...: the fail points a run of ARGS from STATE passes, one "N name" a line.
steps() {
	local state=$1
	shift
	restore "$state"
	rm -f "$T/trace"
	DKMS_FAILPOINT_TRACE=$T/trace d "$@"
	[[ $rc == 0 ]] || { echo "0 the-run-failed($rc)"; return; }
	grep -v '^write ' "$T/trace"
}

# writes STATE ARGS...: how many writes a run of ARGS from STATE makes.
writes() {
	local state=$1
	shift
	restore "$state"
	rm -f "$T/trace"
	DKMS_FAILPOINT_TRACE=$T/trace d "$@"
	grep -c '^write ' "$T/trace"
}

# What runs after a kill (besides status): each sets $rc.
next_install() { d install -k "$K" tiny_crash/1.0; }
next_autoinstall() { d autoinstall -k "$K"; }
next_install_force() { d install --force -k "$K" tiny_crash/1.0; }
# ldtarball again (a load that had completed is "already added": exit 8), then install
next_ldtarball() {
	d ldtarball "$T/tiny_crash.tar.gz"
	[[ $rc == 8 ]] && grep -q "tiny_crash/1.0 is already added" "$T/err" && rc=0
	[[ $rc == 0 ]] && next_install
}

# kill_every OP STATE NEXT -- ARGS...: kill ARGS at each of its steps from
# STATE; after each, status (the next command) must find it consistent, and,
# from the same kill, NEXT (an action run after it) must succeed and leave it
# consistent (installed, when NEXT is an install).
kill_every() {
	local op=$1 state=$2 next=$3 n name list
	shift 4
	list=$(steps "$state" "$@")
	if [[ $list == "0 the-run-failed"* ]]; then
		not_ok "$op, $MODE: a run without a kill succeeds ($list)"
		diag <"$T/err"
		return
	fi
	ok "$op, $MODE: $(echo "$list" | wc -l) steps traced: $(echo "$list" | cut -d' ' -f2 | sort -u | tr '\n' ' ')"
	while read -r n name; do
		restore "$state"
		{ DKMS_FAILPOINT=$n d "$@"; } 2>/dev/null
		if [[ $rc != 137 ]]; then
			not_ok "$op, $MODE: killed at step $n ($name) (exit $rc, want 137)"
			continue
		fi
		d status
		if [[ -n $(ls -A "$S/tree/.journal" 2>/dev/null) ]]; then
			not_ok "$op, $MODE: killed at $n ($name), then status: the journal is still there"
		elif [[ $(grep -vc '^dkms: recovered an interrupted ' "$T/err") != 0 ]]; then
			not_ok "$op, $MODE: killed at $n ($name), then status: more than recovery lines on stderr"
			diag <"$T/err"
		else
			consistent "$op, $MODE: killed at $n ($name), then status"
		fi
		restore "$state"
		{ DKMS_FAILPOINT=$n d "$@"; } 2>/dev/null
		"$next"
		if [[ $rc != 0 ]]; then
			not_ok "$op, $MODE: killed at $n ($name), then $next (exit $rc)"
			cat "$T/out" "$T/err" | tail -n 5 | diag
			continue
		fi
		if [[ $next != next_autoinstall ]]; then
			d status tiny_crash -k "$K"
			grep -q ": installed" "$T/out" && img_has_dkms ||
				{ not_ok "$op, $MODE: killed at $n ($name), then $next: not installed with the image holding it"; continue; }
		fi
		consistent "$op, $MODE: killed at $n ($name), then $next"
	done <<<"$list"
}

# fail_every_write OP STATE -- ARGS...: ENOSPC at each write of ARGS from STATE.
fail_every_write() {
	local op=$1 state=$2 n w
	shift 3
	w=$(writes "$state" "$@")
	for ((n = 1; n <= w; n++)); do
		restore "$state"
		DKMS_FAILWRITE=$n d "$@"
		[[ $rc == 0 ]] && grep -q "^Error!" "$T/err" && { not_ok "$op, $MODE: write $n of $w failed, exit 0 after an error"; continue; }
		if [[ $op == ldtarball && $rc == 0 ]] && ! cmp -s "$S/tree/tiny_crash/1.0/$K/$ARCH/module/tiny_crash.ko" "$T/snap/built/tree/tiny_crash/1.0/$K/$ARCH/module/tiny_crash.ko"; then
			not_ok "$op, $MODE: write $n of $w failed, exit 0 with a damaged build"
			continue
		fi
		consistent "$op, $MODE: write $n of $w fails (ENOSPC, exit $rc), then status"
	done
}

restore added
d remove tiny_crash/1.0 --all
rm -rf "$P"
save empty

for m in fragment regenerate; do
	mode $m
	kill_every install built next_install -- install -k "$K" tiny_crash/1.0
	kill_every uninstall "installed-$m" next_install -- uninstall -k "$K" tiny_crash/1.0
	kill_every remove "installed-$m" next_autoinstall -- remove tiny_crash/1.0 --all
	kill_every autoinstall built next_autoinstall -- autoinstall -k "$K"
	kill_every ldtarball empty next_ldtarball -- ldtarball "$T/tiny_crash.tar.gz"
	fail_every_write install built -- install -k "$K" tiny_crash/1.0
	fail_every_write uninstall "installed-$m" -- uninstall -k "$K" tiny_crash/1.0
	fail_every_write remove "installed-$m" -- remove tiny_crash/1.0 --all
	fail_every_write autoinstall built -- autoinstall -k "$K"
	fail_every_write ldtarball empty -- ldtarball "$T/tiny_crash.tar.gz"
done

# ---- an original module of the same name: install moves it aside, uninstall puts it back ----
restore built
ORIG=kernel/drivers/misc/tiny_crash.ko
mkdir -p "$MODS/$K/kernel/drivers/misc"
{ cat "$T/snap/built/tree/tiny_crash/1.0/$K/$ARCH/module/tiny_crash.ko"; echo "the original"; } >"$T/orig.ko"
cp "$T/orig.ko" "$MODS/$K/$ORIG"
depmod -b "$S/root" "$K" 2>/dev/null
"$T/mkimage.sh" "$IMG" "$K" "$MODS/$K"
cp "$IMG" "$T/base-orig.img"
BASE=$T/base-orig.img
save built-orig
for m in fragment regenerate; do
	restore built-orig
	mode $m
	# the original says version 1.0 too: only --force replaces it
	d install --force -k "$K" tiny_crash/1.0
	[[ $rc == 0 ]] || { not_ok "setup: install over an original in $m mode (exit $rc)"; diag <"$T/err"; }
	save "installed-orig-$m"
	kill_every "install over an original" built-orig next_install_force -- install --force -k "$K" tiny_crash/1.0
	kill_every "uninstall back to the original" "installed-orig-$m" next_install_force -- uninstall -k "$K" tiny_crash/1.0
done
BASE=$T/base.img ORIG=

# ---- the cases issue 10 names ----------------------------------------------
mode fragment
restore built
{ DKMS_FAILPOINT=txn:tree-changed d install -k "$K" tiny_crash/1.0; } 2>/dev/null
check "killed between the tree and the initrd step: killed" test "$rc" = 137
d install -k "$K" tiny_crash/1.0
check "... install again exits 0" test "$rc" = 0
check "... after finishing the killed install, in one line" grep -qx "dkms: recovered an interrupted install of tiny_crash/1.0 for kernel $K ($ARCH): completed: installed, the initrd is in line." "$T/err"
check "... and the image holds the module" img_has_dkms
consistent "... consistent"

restore installed-fragment
{ DKMS_FAILPOINT=txn:tree-changed d uninstall -k "$K" tiny_crash/1.0; } 2>/dev/null
check "a killed uninstall: killed" test "$rc" = 137
d status
check "... status finishes it" grep -qx "dkms: recovered an interrupted uninstall of tiny_crash/1.0 for kernel $K ($ARCH): completed: uninstalled, the initrd is in line." "$T/err"
check "... the image is the original bytes again" cmp "$T/base.img" "$IMG"
consistent "... consistent"

restore empty
{ DKMS_FAILPOINT=ldtarball:kernel-dir-made d ldtarball "$T/tiny_crash.tar.gz"; } 2>/dev/null
check "a killed ldtarball (kernel dir made, nothing copied): killed" test "$rc" = 137
d ldtarball "$T/tiny_crash.tar.gz"
check "... ldtarball again exits 0" test "$rc" = 0
check "... takes the half-loaded package back first" grep -qx "dkms: recovered an interrupted ldtarball of tiny_crash/1.0: rolled back: what it had loaded is removed." "$T/err"
if grep -q "already exists" "$T/out" "$T/err"; then not_ok "... and loads it whole (nothing skipped)"; else ok "... and loads it whole (nothing skipped)"; fi
d install -k "$K" tiny_crash/1.0
check "... then install exits 0" test "$rc" = 0
consistent "... consistent"

# An install that replaces another version and cannot update the initrd:
# back to built, and the version it replaced (which the image holds) comes back.
restore installed-regenerate
mode regenerate
P2=$S/src/tiny_crash-2.0
cp -a "$P" "$P2" 2>/dev/null || cp -a "$T/snap/built/src/tiny_crash-1.0" "$P2"
sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="2.0"/' "$P2/dkms.conf"
d build -k "$K" tiny_crash/2.0
check "an install replacing 1.0 by 2.0: 2.0 builds" test "$rc" = 0
sed -i "s|^initrd_generator=.*|initrd_generator=\"/bin/false {image}\"|" "$T/etc/framework.conf"
d install -k "$K" tiny_crash/2.0
check "... the generator fails: exit 6" test "$rc" = 6
d status tiny_crash
check "... 2.0 is back to built, 1.0 installed again" bash -c "grep -qx 'tiny_crash/1.0, $K, $ARCH: installed' '$T/out' && grep -qx 'tiny_crash/2.0, $K, $ARCH: built' '$T/out'"
check "... the image is unchanged" cmp "$T/snap/installed-regenerate/boot/initrd.img-$K" "$IMG"
check "... the module in the tree is 1.0's" cmp "$T/snap/installed-regenerate/root/lib/modules/$K/$DKREL" "$MODS/$K/$DKREL"
mode fragment

# A reader without write access cannot recover: it must not say installed.
restore built
{ DKMS_FAILPOINT=txn:tree-changed d install -k "$K" tiny_crash/1.0; } 2>/dev/null
if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	chmod o+rx "$T" "$T/etc"
	# a copy the user can run: the checkout may be under a 0700 dir (/root)
	cp "$DKMS_BIN" "$T/dkms-nobody" && chmod 755 "$T/dkms-nobody"
	setpriv --reuid=65534 --regid=65534 --clear-groups env TMPDIR="$T/tmp" "$T/dkms-nobody" --dkmstree "$S/tree" \
		--sourcetree "$S/src" --installtree "$MODS" status >"$T/out" 2>"$T/err"
	check "a pending install, status without write access: says built, not installed" \
		grep -qx "tiny_crash/1.0, $K, $ARCH: built" "$T/out"
	check "... and leaves the journal for root" test -n "$(ls -A "$S/tree/.journal")"
	chmod o-rx "$T"
else
	skip "status without write access" "setpriv cannot change the user here"
fi
d status
check "... root's status finishes it: installed" grep -qx "tiny_crash/1.0, $K, $ARCH: installed" "$T/out"
consistent "... consistent"

# ---- the fragment changed in place (initrd/fragment-inplace.h) ----------------
# The record is the journal: pending before the image is cut, done after.
mode fragment
list=$(steps built install -k "$K" tiny_crash/1.0)
for s in initrd:fragment-record-written initrd:image-reserved initrd:image-appended initrd:fragment-record-done; do
	check "in place: an install passes $s" grep -q " $s\$" <<<"$list"
done
list=$(steps installed-fragment uninstall -k "$K" tiny_crash/1.0)
check "in place: an uninstall passes initrd:image-cut" grep -q " initrd:image-cut\$" <<<"$list"
restore installed-fragment
ino=$(stat -c %i "$IMG")
d uninstall -k "$K" tiny_crash/1.0
check "in place: uninstall cuts the same file back to the original bytes" bash -c "cmp '$BASE' '$IMG' && test \"\$(stat -c %i '$IMG')\" = $ino"
# a kill while the fragment was being written: the original, then part of it
size=$(stat -c %s "$BASE")
restore built
{ DKMS_FAILPOINT=initrd:image-reserved d install -k "$K" tiny_crash/1.0; } 2>/dev/null
check "in place, killed before the write: exit 137" test "$rc" = 137
check "... the image is the original" cmp "$BASE" "$IMG"
check "... the record is pending" grep -qx state=pending "$REC"
tail -c +$((size + 1)) "$T/snap/installed-fragment/boot/initrd.img-$K" | head -c 2000 >>"$IMG"
d status
check "... part of the fragment written, then status: recovered" grep -q "^dkms: recovered an interrupted install" "$T/err"
consistent "... consistent"
check "... installed, the image holding it" bash -c "grep -qx 'tiny_crash/1.0, $K, $ARCH: installed' '$T/out'"
check "... the record is done" grep -qx state=done "$REC"
check "... the original bytes still come first" cmp -n "$size" "$BASE" "$IMG"
# killed after the write, before the record said done: settled as done
restore built
{ DKMS_FAILPOINT=initrd:image-appended d install -k "$K" tiny_crash/1.0; } 2>/dev/null
cp "$IMG" "$T/appended.img"
check "in place, killed after the append: the record is pending" grep -qx state=pending "$REC"
d status
consistent "... then status: consistent"
check "... the record is done" grep -qx state=done "$REC"
# a reinstall over a fragment: the old one is cut off first; a kill at each step
kill_every "reinstall over a fragment" installed-fragment next_install -- install --force -k "$K" tiny_crash/1.0
# temp files a kill at any instant leaves beside the image (the image's and the
# record's writers) are removed by the next change under the boot dir's lock
restore built
: >"$IMG.dkms-Ab12Cd" && : >"$REC.tmpAb12Cd"
d install -k "$K" tiny_crash/1.0
consistent "temp files beside the image and its record, then install: removed, consistent"

# ENOSPC at any write of a change in place: when the initrd step fails, image and
# record are byte for byte as before; a failure elsewhere is rolled back as usual.
# unchanged_after_every_write OP STATE -- ARGS...
unchanged_after_every_write() {
	local op=$1 state=$2 n w
	shift 3
	w=$(writes "$state" "$@")
	for ((n = 1; n <= w; n++)); do
		restore "$state"
		DKMS_FAILWRITE=$n d "$@"
		[[ $rc == 0 ]] && continue
		if ! grep -qF "$IMG" "$T/err"; then
			consistent "$op: write $n of $w fails (ENOSPC, exit $rc) before the initrd step: consistent"
			continue
		fi
		if cmp -s "$T/snap/$state/boot/initrd.img-$K" "$IMG" &&
			cmp -s "$T/snap/$state/boot/initrd.img-$K.dkms-fragment" "$REC"; then
			ok "$op: write $n of $w fails (ENOSPC, exit $rc): image and record unchanged"
		else
			not_ok "$op: write $n of $w fails (ENOSPC, exit $rc): image and record unchanged"
			tail -n 3 "$T/err" | diag
		fi
	done
}
unchanged_after_every_write "in place, a reinstall over a fragment" installed-fragment -- install --force -k "$K" tiny_crash/1.0
unchanged_after_every_write "in place, an uninstall" installed-fragment -- uninstall -k "$K" tiny_crash/1.0

# ---- a really full boot dir: uninstall keeps module and image in agreement ----
if unshare -m true 2>/dev/null; then
	cat >"$T/full.sh" <<EOF
#!/bin/bash
mount -t tmpfs -o size=64k tmpfs "$S/boot" || exit 1
cp -a "$T/snap/installed-\$1/boot/." "$S/boot/"
dd if=/dev/zero of="$S/boot/filler" bs=1k count=256 2>/dev/null
TMPDIR=$T/tmp "$DKMS_BIN" --dkmstree "$S/tree" --sourcetree "$S/src" --installtree "$MODS" uninstall -k "$K" tiny_crash/1.0 >"$T/out" 2>"$T/err"
echo \$? >"$T/full.rc"
rm -f "$S/boot/filler"
rm -rf "$T/full.boot"; cp -a "$S/boot" "$T/full.boot"
EOF
	chmod +x "$T/full.sh"
	# fragment mode cuts the fragment off in place: that needs no space
	restore installed-fragment
	mode fragment
	unshare -m --propagation private "$T/full.sh" fragment
	check "a full boot dir, fragment: uninstall succeeds (the cut needs no space)" grep -qx 0 "$T/full.rc"
	check "... the image is the original bytes" cmp "$BASE" "$T/full.boot/initrd.img-$K"
	check "... and the record is gone" test ! -e "$T/full.boot/initrd.img-$K.dkms-fragment"
	d status tiny_crash -k "$K"
	check "... the module is not installed" grep -qx "tiny_crash/1.0, $K, $ARCH: built" "$T/out"
	for m in regenerate; do
		restore "installed-$m"
		mode $m
		unshare -m --propagation private "$T/full.sh" "$m"
		check "a full boot dir, $m: uninstall exits 6" grep -qx 6 "$T/full.rc"
		check "... says it stays installed" grep -q "^Error! Problems with the initrd detected: tiny_crash/1.0 stays installed for kernel $K ($ARCH);" "$T/err"
		check "... the image is unchanged" cmp "$T/snap/installed-$m/boot/initrd.img-$K" "$T/full.boot/initrd.img-$K"
		if [[ $m == fragment ]]; then
			check "... the fragment record is unchanged" cmp "$T/snap/installed-$m/boot/initrd.img-$K.dkms-fragment" "$T/full.boot/initrd.img-$K.dkms-fragment"
		fi
		d status tiny_crash -k "$K"
		check "... the module stays installed" grep -qx "tiny_crash/1.0, $K, $ARCH: installed" "$T/out"
		check "... in the install tree" test -n "$(find "$MODS/$K" -name 'tiny_crash.ko*' -not -path '*/build/*')"
		check "... nothing is pending" test -z "$(ls -A "$S/tree/.journal" 2>/dev/null)"
		check "... nothing else is left in the boot dir" test -z "$(ls -A "$T/full.boot" | grep -vx -e "initrd.img-$K" -e "initrd.img-$K.dkms-fragment" -e "initrd.img-$K.old-dkms")"
	done
else
	skip "a full boot dir" "no mount namespaces here (unshare -m)"
fi

# ---- kill -9 at random delays: install with a real kbuild, and uninstall ------
SEED=${CRASH_SEED:-$(($(date +%s) % 32768))}
echo "# random kills: seed $SEED (CRASH_SEED=$SEED repeats them)"
RANDOM=$SEED
ms() { echo $(($(date +%s%N) / 1000000)); }

# random_kills OP STATE RUNS -- ARGS...: kill the run's process group (make and
# all) at a random point of its usual duration, then status must find it consistent.
random_kills() {
	local op=$1 state=$2 runs=$3 t0 dur i delay pid
	shift 4
	restore "$state"
	t0=$(ms)
	d "$@"
	dur=$(($(ms) - t0))
	[[ $rc == 0 ]] || { not_ok "$op, $MODE: a run without a kill succeeds (exit $rc)"; return; }
	for ((i = 1; i <= runs; i++)); do
		delay=$((RANDOM % (dur + 1)))
		restore "$state"
		# setsid: dkms leads its own process group, as a power loss takes all of it
		TMPDIR=$T/tmp setsid "$DKMS_BIN" --dkmstree "$S/tree" --sourcetree "$S/src" --installtree "$MODS" \
			"$@" >"$T/out" 2>"$T/err" &
		pid=$!
		sleep "$(printf '%d.%03d' $((delay / 1000)) $((delay % 1000)))"
		kill -9 -- "-$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		d status
		consistent "$op, $MODE: killed after ${delay} of ${dur} ms, then status"
	done
}

# gcc's own temp files (cc??????.s) of a compiler killed with the build land in
# the run's own TMPDIR, which the next run removes: nothing may be left.
TMP_ALLOWED=
mode fragment
random_kills "install with a kbuild" added 8 -- install -k "$K" tiny_crash/1.0
random_kills uninstall installed-fragment 7 -- uninstall -k "$K" tiny_crash/1.0
mode regenerate
random_kills "install with a kbuild" added 7 -- install -k "$K" tiny_crash/1.0
random_kills uninstall installed-regenerate 8 -- uninstall -k "$K" tiny_crash/1.0

TMP_ALLOWED=
[[ -s $T/tmp-notes ]] && echo "# note: killed compilers left in TMPDIR: $(tr '\n' ' ' <"$T/tmp-notes")"

echo "1..$_tap_n"
