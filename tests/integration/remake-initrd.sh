#!/bin/bash
# REMAKE_INITRD after install and uninstall, in private trees with a private
# boot dir ($T/boot, bootdir= in framework.conf) and generator configuration
# ($T/sysconf, initrd_sysconfdir=). The generator is a command template in
# framework.conf (initrd_generator=): a small script that packs the kernel's
# module tree as a gzip'd newc cpio, as a real generator would in 0.1 s
# (tests/boot/remake-initrd-boot.sh runs mkinitramfs and dracut for real).
#
# Modes: regenerate (the image holds the module after install, not after
# uninstall; <image>.old-dkms is the previous image), fragment (appended,
# and uninstall gives back the original bytes), auto (fragment for an image
# that loads modules through modprobe and udev, else regenerate). When the
# package does not ask (no REMAKE_INITRD) the image changes only if one of
# its modules is in it. MODULES_CONF_ALIAS_TYPE and MODULES_CONF write the
# dracut, initramfs-tools and modprobe.d files and uninstall takes them away
# (the admin's initramfs-tools/modules gets back its bytes).
#
# Failures lose nothing: a generator that fails (its name and exit status
# in the error, its output in the log), one that leaves the module out, a
# corrupt or unreadable image, a full boot dir (tmpfs in `unshare -m`), a
# kill -9 in the middle: the image is byte-identical afterwards, the module
# is rolled back to built, the configuration is as before, and the next run
# clears the leftovers.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
if [[ -z $K ]]; then
	skip "remake initrd" "no kernel headers installed"
	exit 0
fi
K2=${K/-/-9}  # a second kernel name for per-kernel configuration, same headers
IMG=$T/boot/initrd.img-$K

mkdir -p "$T"/{src,tree,etc,boot,inst/"$K"/kernel/drivers/misc,inst/"$K2"/kernel}
mkdir -p "$T"/sysconf/{modprobe.d,dracut.conf.d,initramfs-tools/hooks}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K2/build"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release"
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub try_sign_modules=false
unset sign_file post_transaction parallel_jobs
# the admin's modules file, without a final newline: it must come back byte for byte
printf '# /etc/initramfs-tools/modules\nraid1' >"$T/sysconf/initramfs-tools/modules"
cp "$T/sysconf/initramfs-tools/modules" "$T/modules.orig"

# The generator: mkimage.sh OUT KERNEL MODULEDIR [EXTRA_DIR]
cat >"$T/mkimage.sh" <<'EOF'
#!/bin/sh
set -e
out=$1 k=$2 moddir=$3 extra=${4:-}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/modules/$k"
(cd "$moddir" && find . -path ./build -prune -o -print | cpio -pdm --quiet "$root/usr/lib/modules/$k")
ln -s usr/lib "$root/lib"
[ -z "$extra" ] || cp -a "$extra"/. "$root"/
echo "mkimage: $k"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -n >"$out"
EOF
chmod +x "$T/mkimage.sh"
GEN="$T/mkimage.sh {image} {kernel} {moduledir}"

# conf [KEY=VALUE...]: framework.conf with the test's roots and the given keys.
conf() {
	{
		echo "bootdir=$T/boot"
		echo "initrd_sysconfdir=$T/sysconf"
		echo "initrd_generator=\"$GEN\""
		local kv
		for kv in "$@"; do echo "$kv"; done
	} >"$T/etc/framework.conf"
}

# out_is NAME FILE TEXT: FILE holds exactly TEXT (a final newline added).
out_is() {
	printf '%s\n' "$3" >"$T/want"
	expect_same "$1" "$T/want" "$2"
}

# members IMAGE: the paths in a (single gzip member) image, sorted.
members() { zcat "$1" | cpio -it --quiet 2>/dev/null | sed 's|^\./||' | LC_ALL=C sort; }
has_member() { members "$1" | grep -qx "$2"; }

# pkg NAME [DKMS.CONF LINES...]: a copy of examples/dkms_tiny named NAME.
pkg() {
	local name=$1 d=$T/src/$1-1.0
	shift
	mkdir -p "$d"
	sed "s/dkms_tiny/$name/g" "$TOP/examples/dkms_tiny/dkms.conf" >"$d/dkms.conf"
	sed "s/dkms_tiny/$name/g" "$TOP/examples/dkms_tiny/Makefile" >"$d/Makefile"
	sed "s/dkms_tiny/$name/g" "$TOP/examples/dkms_tiny/dkms_tiny.c" >"$d/$name.c"
	local l
	for l in "$@"; do echo "$l" >>"$d/dkms.conf"; done
}

# no_leftovers NAME: nothing of ours left in the boot dir.
no_leftovers() {
	local left
	left=$(cd "$T/boot" && ls -A | grep -v '^initrd.img-' || true)
	if [[ -z $left ]]; then ok "$1"; else not_ok "$1"; echo "$left" | diag; fi
}

pkg tiny_remake 'REMAKE_INITRD="yes"'
pkg tiny_plain
pkg tiny_alias 'MODULES_CONF_ALIAS_TYPE[0]="scsi_hostadapter"' 'MODULES_CONF[0]="options tiny_alias greeting=0"'

conf
"$T/mkimage.sh" "$IMG" "$K" "$T/inst/$K" >/dev/null
cp "$IMG" "$T/base.img"
for p in tiny_remake tiny_plain tiny_alias; do
	step "build $p" 0 build -k "$K" "$p/1.0"
done
step "build tiny_alias for a second kernel" 0 build -k "$K2" tiny_alias/1.0

# ---- regenerate -------------------------------------------------------------
conf initrd_mode=regenerate
step "regenerate: install with REMAKE_INITRD=yes" 0 install -k "$K" tiny_remake/1.0
out_is "regenerate: install says what it did" "$T/out" "Installing $T/inst/$K/updates/dkms/tiny_remake.ko
Running depmod... done.
Regenerating $IMG with mkimage.sh... done.
The previous initrd is kept as $IMG.old-dkms"
check "regenerate: the new image holds the module" has_member "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_remake.ko"
check "regenerate: .old-dkms is the previous image" cmp "$T/base.img" "$IMG.old-dkms"
check "regenerate: the generator's output is in the tree's log" grep -qx "mkimage: $K" "$T/tree/initrd-$K.log"
check "regenerate: the hook puts the module in initramfs-tools images of this kernel" \
	grep -q "^	manual_add_modules tiny_remake\$" "$T/sysconf/initramfs-tools/hooks/dkms-tiny_remake"
no_leftovers "regenerate: nothing left in the boot dir"
cp "$IMG" "$T/with-remake.img"

step "regenerate: uninstall" 0 uninstall -k "$K" tiny_remake/1.0
if has_member "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_remake.ko"; then
	not_ok "regenerate: after uninstall the image lacks the module"
else
	ok "regenerate: after uninstall the image lacks the module"
fi
check "regenerate: uninstall keeps the previous image as .old-dkms" cmp "$T/with-remake.img" "$IMG.old-dkms"
check "regenerate: uninstall takes the generator configuration away" \
	test ! -e "$T/sysconf/initramfs-tools/hooks/dkms-tiny_remake" -a ! -e "$T/sysconf/dracut.conf.d/dkms-tiny_remake.conf"
cp "$IMG" "$T/base.img"

# Not asked, and not in the image: the image is left alone.
step "a package without REMAKE_INITRD: install" 0 install -k "$K" tiny_plain/1.0
check "... leaves the image alone" cmp "$T/base.img" "$IMG"
out_is "... and says nothing about it" "$T/out" "Installing $T/inst/$K/updates/dkms/tiny_plain.ko
Running depmod... done."
step "... uninstall" 0 uninstall -k "$K" tiny_plain/1.0
check "... still leaves it alone" cmp "$T/base.img" "$IMG"

# Not asked, but a module of that name is in the image: updated.
echo "an in-tree tiny_plain" >"$T/inst/$K/kernel/drivers/misc/tiny_plain.ko"
"$T/mkimage.sh" "$IMG" "$K" "$T/inst/$K" >/dev/null
step "a package whose module is in the image: install" 0 install --force -k "$K" tiny_plain/1.0
check "... updates the image" has_member "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_plain.ko"
step "... uninstall" 0 uninstall -k "$K" tiny_plain/1.0
check "... updates it again: the dkms copy is out" \
	bash -c "! zcat '$IMG' | cpio -it --quiet | grep -q updates/dkms/tiny_plain.ko"
check "... and the in-tree one is back" has_member "$IMG" "usr/lib/modules/$K/kernel/drivers/misc/tiny_plain.ko"
rm -f "$T/inst/$K/kernel/drivers/misc/tiny_plain.ko"
cp "$T/base.img" "$IMG"
rm -f "$IMG.old-dkms"

# No image for the kernel (its package makes one later): nothing to do.
mv "$IMG" "$T/moved.img"
step "no image in the boot dir: install" 0 install -k "$K" tiny_remake/1.0
check "... makes none" test ! -e "$IMG"
step "no image in the boot dir: uninstall" 0 uninstall -k "$K" tiny_remake/1.0
mv "$T/moved.img" "$IMG"

# --initrd-mode none: nothing of the initrd is touched, even when the package asks.
conf
step "--initrd-mode none: install" 0 install -k "$K" tiny_alias/1.0 --initrd-mode=none
check "... leaves the image alone" cmp "$T/base.img" "$IMG"
check "... and the generators' configuration" \
	bash -c "cmp '$T/modules.orig' '$T/sysconf/initramfs-tools/modules' && ! ls '$T'/sysconf/*/dkms-* '$T'/sysconf/*/*/dkms-* 2>/dev/null"
out_is "... and prints what dkms 3.4.3 prints" "$T/out" "Installing $T/inst/$K/updates/dkms/tiny_alias.ko
Running depmod... done."
step "--initrd-mode none: uninstall" 0 uninstall -k "$K" tiny_alias/1.0 --initrd-mode=none
check "... still leaves the image alone" cmp "$T/base.img" "$IMG"

# A private --installtree without a boot dir: initrds and /etc are not ours to touch.
: >"$T/etc/framework.conf"
step "private install tree, no bootdir: install" 0 install -k "$K" tiny_remake/1.0
check "... leaves the image alone" cmp "$T/base.img" "$IMG"
out_is "... and prints what dkms 3.4.3 prints" "$T/out" "Installing $T/inst/$K/updates/dkms/tiny_remake.ko
Running depmod... done."
step "private install tree, no bootdir: uninstall" 0 uninstall -k "$K" tiny_remake/1.0

# ---- fragment ----------------------------------------------------------------
# fragment_file IMAGE BASE PATH: PATH's content in the fragment appended to BASE.
fragment_file() {
	local size pad
	size=$(stat -c %s "$2")
	pad=$(((4 - size % 4) % 4))
	tail -c +$((size + pad + 1)) "$1" | zstd -dcq | (cd "$T" && rm -rf frag.x && mkdir frag.x && cd frag.x &&
		cpio -id --quiet && cat "$3")
}
listing() { "$DKMS_BIN" lsinitrd --verbose "$1" | awk '{print $NF}'; }
in_listing() { listing "$1" | grep -qx "$2"; }

conf initrd_mode=fragment
step "fragment: install" 0 install -k "$K" tiny_remake/1.0
out_is "fragment: install says what it did" "$T/out" "Installing $T/inst/$K/updates/dkms/tiny_remake.ko
Running depmod... done.
Appending tiny_remake to $IMG... done."
check "fragment: the original bytes come first" cmp -n "$(stat -c %s "$T/base.img")" "$T/base.img" "$IMG"
check "fragment: the image holds the module" in_listing "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_remake.ko"
check "fragment: its index knows the module" bash -c "fragment_file() { $(declare -f fragment_file | tail -n +2); }; T='$T'; fragment_file '$IMG' '$T/base.img' lib/modules/$K/modules.dep | grep -qx 'updates/dkms/tiny_remake.ko:'"
check "fragment: the record is beside the image" test -s "$IMG.dkms-fragment"
step "fragment: a second package" 0 install -k "$K" tiny_alias/1.0
check "... the original bytes still come first" cmp -n "$(stat -c %s "$T/base.img")" "$T/base.img" "$IMG"
check "... one fragment holds both modules" bash -c "fragment_file() { $(declare -f fragment_file | tail -n +2); }; T='$T'; fragment_file '$IMG' '$T/base.img' lib/modules/$K/modules.dep | grep -c '^updates/dkms/tiny_' | grep -qx 2"
check "... and dkms's modprobe.d file (MODULES_CONF_ALIAS_TYPE, MODULES_CONF)" bash -c "fragment_file() { $(declare -f fragment_file | tail -n +2); }; T='$T'; fragment_file '$IMG' '$T/base.img' etc/modprobe.d/dkms-tiny_alias.conf | grep -qx 'options tiny_alias greeting=0'"
step "fragment: uninstall the first" 0 uninstall -k "$K" tiny_remake/1.0
check "... the other module stays" in_listing "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_alias.ko"
if in_listing "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_remake.ko"; then not_ok "... the first is gone"; else ok "... the first is gone"; fi
step "fragment: uninstall the last" 0 uninstall -k "$K" tiny_alias/1.0
out_is "... says so" <(tail -n 1 "$T/out") "Restoring the original $IMG... done."
check "... the image is byte-identical to the original" cmp "$T/base.img" "$IMG"
check "... and the record is gone" test ! -e "$IMG.dkms-fragment"

# In place (initrd/fragment-inplace.h): the image is cut and appended to, never
# copied; a summary of it in the tree (initrd/remake-cache.c) spares the next
# change reading and decoding it, for as long as the image's key holds.
ino=$(stat -c %i "$IMG")
step "fragment, in place: install" 0 install -k "$K" tiny_remake/1.0
check "... the image is the same file, appended to" test "$(stat -c %i "$IMG")" = "$ino"
check "... the record says the change is done" grep -qx "state=done" "$IMG.dkms-fragment"
check "... and names the image's key after it" grep -q "^image_key=[0-9]*:$ino:$(stat -c %s "$IMG"):" "$IMG.dkms-fragment"
check "... and the fragment's module" grep -qxF "module=tiny_remake	updates/dkms/tiny_remake.ko" "$IMG.dkms-fragment"
SUM=$(ls "$T/tree/.initrd-cache/initrd.img-$K-"* 2>/dev/null | head -n 1)
check "... a summary of the image is kept in the tree" test -s "$SUM"
check "... with the module at the fragment's offset" \
	grep -qxF "module=$(($(stat -c %s "$T/base.img") + 3 - ($(stat -c %s "$T/base.img") + 3) % 4))	tiny_remake	updates/dkms/tiny_remake.ko" "$SUM"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0
check "... the original bytes, in the same file" bash -c "cmp '$T/base.img' '$IMG' && test \"\$(stat -c %i '$IMG')\" = $ino"
check "... the summary knows the original alone" bash -c "! grep -q 'tiny_remake' '$SUM' && grep -qx 'size=$(stat -c %s "$T/base.img")' '$SUM'"
# The summary is believed while the key holds, and only then: one that lies
# about alias loading (the image has neither modprobe nor udev) makes auto
# append a fragment; after any write to the image, or cut short, it is not used.
sed -i 's/^alias_loading=0$/alias_loading=1/' "$SUM"
step "auto, a summary whose key holds" 0 install -k "$K" tiny_remake/1.0 --initrd-mode=auto
check "... is used: a fragment, without reading the image" grep -qx "Appending tiny_remake to $IMG... done." "$T/out"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0 --initrd-mode=auto
check "... the original bytes" cmp "$T/base.img" "$IMG"
touch "$IMG"
step "auto, the image written since (touch: a new ctime)" 0 install -k "$K" tiny_remake/1.0 --initrd-mode=auto
check "... the summary is not used: the image is read, and regenerated" grep -q "^Regenerating $IMG with mkimage.sh... done.\$" "$T/out"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0 --initrd-mode=none
cp "$T/base.img" "$IMG"
rm -f "$IMG.old-dkms"
step "... a fragment install from the image as it is now" 0 install -k "$K" tiny_remake/1.0 --initrd-mode=fragment
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0 --initrd-mode=fragment
check "... the original bytes" cmp "$T/base.img" "$IMG"
sed -i -e 's/^alias_loading=0$/alias_loading=1/' -e '$d' "$SUM"
step "auto, a summary cut short (no count at the end)" 0 install -k "$K" tiny_remake/1.0 --initrd-mode=auto
check "... is not used" grep -q "^Regenerating $IMG with mkimage.sh... done.\$" "$T/out"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0 --initrd-mode=none
cp "$T/base.img" "$IMG"
rm -f "$IMG.old-dkms"

# The image was made anew (a kernel update) over dkms's fragment: the record is stale.
step "fragment: install" 0 install -k "$K" tiny_remake/1.0
"$T/mkimage.sh" "$IMG" "$K" "$T/inst/$K" >/dev/null
step "fragment: uninstall from an image made anew since" 0 uninstall -k "$K" tiny_remake/1.0
check "... regenerates instead" grep -qx "$IMG holds updates/dkms/tiny_remake.ko outside a dkms fragment: regenerating it instead." "$T/out"
if in_listing "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_remake.ko"; then not_ok "... the module is gone"; else ok "... the module is gone"; fi
check "... and the stale record too" test ! -e "$IMG.dkms-fragment"
cp "$T/base.img" "$IMG"
rm -f "$IMG.old-dkms"

# An install tree with an index (dkms runs depmod only where modules.dep is):
# the fragment carries the one depmod wrote for the tree, which covers the
# image's modules at the same paths.
: >"$T/inst/$K/modules.dep"
step "fragment, an indexed install tree: install" 0 install -k "$K" tiny_remake/1.0
check "... the fragment's index is the one depmod wrote for the tree" bash -c "fragment_file() { $(declare -f fragment_file | tail -n +2); }; T='$T'; fragment_file '$IMG' '$T/base.img' lib/modules/$K/modules.dep | cmp -s - '$T/inst/$K/modules.dep'"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0
check "... the image is byte-identical to the original" cmp "$T/base.img" "$IMG"
# An image holding a module the install tree lacks: the tree's index does not
# know it, so the fragment's index is depmod's over the image's modules.
mkdir -p "$T/ghost/usr/lib/modules/$K/extra"
cp "$(find "$T/tree/tiny_alias" -name 'tiny_alias.ko*' | head -n 1)" "$T/ghost/usr/lib/modules/$K/extra/ghost.ko"
"$T/mkimage.sh" "$T/ghost.img" "$K" "$T/inst/$K" "$T/ghost" >/dev/null
cp "$T/ghost.img" "$IMG"
step "fragment: an image with a module the install tree lacks" 0 install -k "$K" tiny_remake/1.0
check "... the fragment's index lists it and the new module" bash -c "fragment_file() { $(declare -f fragment_file | tail -n +2); }; T='$T'; fragment_file '$IMG' '$T/ghost.img' lib/modules/$K/modules.dep >'$T/ghost.dep' && grep -qx 'extra/ghost.ko:' '$T/ghost.dep' && grep -qx 'updates/dkms/tiny_remake.ko:' '$T/ghost.dep'"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0
check "... the image is byte-identical to the original" cmp "$T/ghost.img" "$IMG"
rm -f "$T/inst/$K"/modules.*
cp "$T/base.img" "$IMG"

# auto: fragment for an image that loads modules through modprobe and udev.
mkdir -p "$T/udev-root/usr/sbin" "$T/udev-root/usr/lib/systemd" "$T/udev-root/usr/lib/modules/$K"
echo "modprobe" >"$T/udev-root/usr/sbin/modprobe"
echo "udevd" >"$T/udev-root/usr/lib/systemd/systemd-udevd"
echo "# Aliases extracted from modules themselves." >"$T/udev-root/usr/lib/modules/$K/modules.alias"
conf initrd_mode=auto
step "auto, an image without modprobe and udev: install" 0 install -k "$K" tiny_remake/1.0
check "... regenerates" grep -q "^Regenerating $IMG with mkimage.sh... done.\$" "$T/out"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0
"$T/mkimage.sh" "$IMG" "$K" "$T/inst/$K" "$T/udev-root" >/dev/null
cp "$IMG" "$T/udev.img"
rm -f "$IMG.old-dkms"
step "auto, an image that loads modules by alias: install" 0 install -k "$K" tiny_remake/1.0
check "... appends a fragment" grep -q "^Appending tiny_remake to $IMG... done.\$" "$T/out"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0
check "... gives back the original bytes" cmp "$T/udev.img" "$IMG"
step "auto is the default: install" 0 install -k "$K" tiny_remake/1.0 --initrd-mode=regenerate
check "... --initrd-mode overrides initrd_mode=" grep -q "^Regenerating $IMG" "$T/out"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0
cp "$T/base.img" "$IMG"
rm -f "$IMG.old-dkms"

# ---- MODULES_CONF_ALIAS_TYPE and MODULES_CONF ------------------------------
conf initrd_mode=regenerate
step "MODULES_CONF_ALIAS_TYPE: install on two kernels" 0 install -k "$K" -k "$K2" tiny_alias/1.0
out_is "dracut: force_drivers for the kernels it is installed on" "$T/sysconf/dracut.conf.d/dkms-tiny_alias.conf" \
"# Written by dkms for tiny_alias/1.0 (MODULES_CONF_ALIAS_TYPE, MODULES_CONF).
# dkms removes it when the package is uninstalled from its last kernel.
if [[ \" $K $K2 \" == *\" \${kernel:-\$(uname -r)} \"* ]]; then
	force_drivers+=\" tiny_alias \"
fi"
printf '# /etc/initramfs-tools/modules\nraid1\n# BEGIN dkms tiny_alias (newline added)\n# added by dkms for tiny_alias/1.0 (MODULES_CONF_ALIAS_TYPE); removed on uninstall\ntiny_alias\n# END dkms tiny_alias\n' >"$T/want"
expect_same "initramfs-tools: a dkms block in the modules file" "$T/want" "$T/sysconf/initramfs-tools/modules"
out_is "modprobe.d: the alias and the MODULES_CONF lines" "$T/sysconf/modprobe.d/dkms-tiny_alias.conf" \
"# Written by dkms for tiny_alias/1.0 (MODULES_CONF_ALIAS_TYPE, MODULES_CONF).
# dkms removes it when the package is uninstalled from its last kernel.
alias scsi_hostadapter tiny_alias
options tiny_alias greeting=0"
check "MODULES_CONF_ALIAS_TYPE alone updates the image" has_member "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_alias.ko"
step "MODULES_CONF_ALIAS_TYPE: uninstall from the first kernel" 0 uninstall -k "$K" tiny_alias/1.0
check "dracut: only the second kernel is left" grep -q "^if \[\[ \" $K2 \" ==" "$T/sysconf/dracut.conf.d/dkms-tiny_alias.conf"
check "the other files stay while a kernel has the package" test -e "$T/sysconf/modprobe.d/dkms-tiny_alias.conf"
step "MODULES_CONF_ALIAS_TYPE: uninstall from the last kernel" 0 uninstall -k "$K2" tiny_alias/1.0
check "dracut.conf.d and modprobe.d files are gone" \
	test ! -e "$T/sysconf/dracut.conf.d/dkms-tiny_alias.conf" -a ! -e "$T/sysconf/modprobe.d/dkms-tiny_alias.conf"
check "the modules file has its original bytes" cmp "$T/modules.orig" "$T/sysconf/initramfs-tools/modules"
cp "$IMG" "$T/base.img"
rm -f "$IMG.old-dkms"

# ---- failures ----------------------------------------------------------------
# state_intact NAME: image and configuration as before, module back to built.
state_intact() {
	check "$1: the image is byte-identical" cmp "$T/base.img" "$IMG"
	check "$1: no .old-dkms made" test ! -e "$IMG.old-dkms"
	check "$1: the configuration is as before" \
		bash -c "cmp '$T/modules.orig' '$T/sysconf/initramfs-tools/modules' && ! ls '$T'/sysconf/*/dkms-* '$T'/sysconf/*/*/dkms-* 2>/dev/null"
	dk status tiny_remake/1.0 -k "$K"
	out_is "$1: the module is rolled back to built" "$T/out" "tiny_remake/1.0, $K, x86_64: built"
	no_leftovers "$1: nothing left in the boot dir"
}

cat >"$T/fail.sh" <<'EOF'
#!/bin/sh
echo "fail.sh: cannot make $1" >&2
exit 3
EOF
chmod +x "$T/fail.sh"
conf initrd_mode=regenerate "initrd_generator=\"$T/fail.sh {image}\""
step "a generator that fails: install exits 6" 6 install -k "$K" tiny_remake/1.0
check "... the error names the generator, its exit status and the image" \
	grep -qx "Error! fail.sh failed for kernel $K (exit status 3); $IMG is unchanged." "$T/err"
check "... and where its output is" grep -qx "Its output is in $T/tree/initrd-$K.log" "$T/err"
check "... which holds it" grep -q "^fail.sh: cannot make $T/boot/.dkms-initrd" "$T/tree/initrd-$K.log"
check "... the install is rolled back" grep -qx "Install Failed (initrd problems). Module rolled back to built state." "$T/err"
state_intact "failing generator"

conf initrd_mode=regenerate "initrd_generator=\"cp $T/base.img {image}\""
step "a generator that leaves the module out: install exits 6" 6 install -k "$K" tiny_remake/1.0
check "... the error says what is missing" \
	grep -q "^Error! The image cp made for kernel $K is not right: it lacks updates/dkms/tiny_remake.ko; $IMG is unchanged.\$" "$T/err"
state_intact "module left out"

conf initrd_mode=regenerate "initrd_generator=\"nosuch-generator {image}\""
step "a generator that is not installed: install exits 6" 6 install -k "$K" tiny_remake/1.0
check "... the error names it" grep -qx "Error! nosuch-generator: command not found; $IMG is unchanged." "$T/err"
state_intact "missing generator"

conf initrd_mode=regenerate "initrd_generator=\"$T/mkimage.sh {image} {kernal}\""
step "a template with an unknown placeholder: install exits 6" 6 install -k "$K" tiny_remake/1.0
check "... the error names the placeholder" grep -q "^Error! Invalid initrd_generator '.*': {kernal}\$" "$T/err"
state_intact "bad template"

conf
step "an unknown --initrd-mode: exit 1" 1 install -k "$K" tiny_remake/1.0 --initrd-mode=sometimes
check "... the error says which values are valid" \
	grep -qx "Error! Invalid initrd mode 'sometimes' (--initrd-mode, initrd_mode in framework.conf): use regenerate, fragment, auto or none." "$T/err"
check "... and nothing is installed" bash -c "! grep -q installed <('$DKMS_BIN' --dkmstree '$T/tree' --sourcetree '$T/src' --installtree '$T/inst' status tiny_remake/1.0)"

# A corrupt image: the modes that build on it refuse; regenerate makes a new one.
head -c -16 "$T/base.img" >"$IMG"
cp "$IMG" "$T/corrupt.img"
conf initrd_mode=auto
step "a corrupt image, auto mode: install exits 6" 6 install -k "$K" tiny_remake/1.0
check "... the error names the image and why" grep -q "^Error! Cannot read $IMG: .*; it is unchanged.\$" "$T/err"
check "... which is byte-identical" cmp "$T/corrupt.img" "$IMG"
conf initrd_mode=regenerate
step "a corrupt image, regenerate mode: install" 0 install -k "$K" tiny_remake/1.0
check "... warns" grep -q "^Warning: Cannot read $IMG: .*; making a new one.\$" "$T/err"
check "... makes a good one" has_member "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_remake.ko"
check "... and keeps the corrupt one as .old-dkms" cmp "$T/corrupt.img" "$IMG.old-dkms"
step "... uninstall" 0 uninstall -k "$K" tiny_remake/1.0
cp "$T/base.img" "$IMG"
rm -f "$IMG.old-dkms"

# An unreadable image: root without CAP_DAC_OVERRIDE cannot read a mode 000 file.
chmod 000 "$IMG"
conf initrd_mode=auto
if setpriv --bounding-set=-dac_override,-dac_read_search true 2>/dev/null; then
	dk_nocap() {
		setpriv --bounding-set=-dac_override,-dac_read_search "$DKMS_BIN" --dkmstree "$T/tree" \
			--sourcetree "$T/src" --installtree "$T/inst" "$@" >"$T/out" 2>"$T/err"
		rc=$?
	}
	dk_nocap install -k "$K" tiny_remake/1.0
	if [[ $rc == 6 ]]; then ok "an unreadable image: install exits 6"; else not_ok "an unreadable image: install exits 6 (exit $rc)"; cat "$T/err" | diag; fi
	check "... the error names the image and why" grep -qx "Error! Cannot read $IMG: .*Permission denied.*; it is unchanged." "$T/err"
	chmod 644 "$IMG"
	state_intact "unreadable image"
else
	chmod 644 "$IMG"
	skip "an unreadable image" "setpriv cannot drop capabilities here"
fi

# A full boot dir: a small tmpfs in a private mount namespace, in each mode.
if unshare -m true 2>/dev/null; then
	cat >"$T/full.sh" <<EOF
#!/bin/bash
set -e
mount -t tmpfs -o size=64k tmpfs "$T/boot"
cp "$T/base.img" "$IMG"
dd if=/dev/zero of="$T/boot/filler" bs=1k count=256 2>/dev/null || true
"$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" install -k "$K" tiny_remake/1.0 --initrd-mode=\$1 >"$T/out" 2>"$T/err" || echo "rc=\$?" >"$T/full.rc"
cmp "$T/base.img" "$IMG" && echo intact >"$T/full.intact"
rm -f "$T/boot/filler"
ls -A "$T/boot" >"$T/full.left"
EOF
	chmod +x "$T/full.sh"
	conf
	for mode in regenerate fragment; do
		rm -f "$T/full.rc" "$T/full.intact"
		unshare -m --propagation private "$T/full.sh" "$mode"
		check "a full boot dir, $mode: install exits 6" grep -qx "rc=6" "$T/full.rc"
		if [[ $mode == regenerate ]]; then
			check "... the error names the generator and the image" \
				grep -q "^Error! mkimage.sh failed for kernel $K (exit status [0-9]*); $IMG is unchanged.\$" "$T/err"
		else
			check "... the error names the image and why" \
				grep -q "^Error! Cannot append the initrd fragment to $IMG: .*No space left on device" "$T/err"
		fi
		check "... the image is byte-identical" test -e "$T/full.intact"
		out_is "... nothing else is left in the boot dir" "$T/full.left" "initrd.img-$K"
		dk status tiny_remake/1.0 -k "$K"
		out_is "... the module is rolled back to built" "$T/out" "tiny_remake/1.0, $K, x86_64: built"
	done
else
	skip "a full boot dir" "no mount namespaces here"
fi

# kill -9 while the generator runs: the image is intact, the generator goes
# down with dkms, and the next run removes the temp dir and completes the
# install (tests/integration/crash.sh kills at every step).
cat >"$T/slow.sh" <<EOF
#!/bin/sh
echo \$\$ >"$T/slow.pid"
head -c 100 "$T/base.img" >"\$1"
sleep 60
EOF
chmod +x "$T/slow.sh"
conf initrd_mode=regenerate "initrd_generator=\"$T/slow.sh {image}\""
rm -f "$T/slow.pid"
"$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" install -k "$K" tiny_remake/1.0 >"$T/out" 2>"$T/err" &
dkms_pid=$!
for _ in $(seq 100); do [[ -s $T/slow.pid ]] && break; sleep 0.1; done
kill -9 "$dkms_pid"
wait "$dkms_pid" 2>/dev/null
check "kill -9 during regeneration: the image is byte-identical" cmp "$T/base.img" "$IMG"
gen_pid=$(cat "$T/slow.pid" 2>/dev/null)
for _ in $(seq 50); do kill -0 "$gen_pid" 2>/dev/null || break; sleep 0.1; done
check "... the generator went down with dkms" bash -c "! kill -0 '$gen_pid' 2>/dev/null"
check "... its temp dir is there" bash -c "ls -d '$T'/boot/.dkms-initrd.* >/dev/null"
conf initrd_mode=regenerate
step "... the next run" 0 install -k "$K" tiny_remake/1.0
no_leftovers "... clears it"
# the killed install was journalled: the next run finishes it before its own work
check "... and first completes the killed install: the image holds the module" \
	has_member "$IMG" "usr/lib/modules/$K/updates/dkms/tiny_remake.ko"
check "... saying so in one line" grep -qx "dkms: recovered an interrupted install of tiny_remake/1.0 for kernel $K (x86_64): completed: installed, the initrd is in line." "$T/err"

# What a killed fragment writer leaves (<image>.dkms-XXXXXX) goes with the next run.
echo partial >"$IMG.dkms-Ab3dEf"
step "a leftover temp file of the fragment writer: the next run" 0 install -k "$K" tiny_remake/1.0
no_leftovers "... removes it"
