#!/bin/bash
# REMAKE_INITRD for a package rebuilt because what it depends on changed
# (issue 11, item 4). Two tiny modules built for real with kbuild: dep_a
# exports a function; dep_b calls it (BUILD_DEPENDS=dep_a,
# BUILD_DEPENDS_REBUILD=yes, its MAKE links against dep_a's Module.symvers)
# and asks for its module in the initrd (REMAKE_INITRD=yes). dep_a 2.0
# changes the function's prototype, so with the kernel's MODVERSIONS a dep_b
# built against it differs in its bytes (the CRC it records).
#
# Installing dep_a 2.0 rebuilds dep_b, as dkms 3.4.3 does; the initrd must
# then hold the new dep_b, in regenerate and in fragment mode, and
# uninstalling dep_b takes it out (fragment mode: the image's original
# bytes). The same through autoinstall. A kill -9 as dep_b's rebuild is
# recorded, and in the middle of it, leaves a state the next command
# finishes: dep_b installed again and the image holding that build, the
# journal empty.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
if [[ -z $K ]]; then
	skip "remake initrd for rebuilt dependents" "no kernel headers installed"
	exit 0
fi
ARCH=$(uname -m)
IMG=$T/boot/initrd.img-$K
KO=updates/dkms

mkdir -p "$T"/{src,tree,etc,boot,inst/"$K"/kernel} "$T"/sysconf/{modprobe.d,dracut.conf.d,initramfs-tools/hooks}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release"
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub try_sign_modules=false
unset sign_file post_transaction parallel_jobs DKMS_FAILPOINT DKMS_FAILPOINT_TRACE DKMS_FAILWRITE

# The generator: mkimage.sh OUT KERNEL MODULEDIR, the module tree as a gzip'd newc cpio.
cat >"$T/mkimage.sh" <<'EOF'
#!/bin/sh
set -e
out=$1 k=$2 moddir=$3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/modules/$k"
(cd "$moddir" && find . -path ./build -prune -o -print | cpio -pdm --quiet "$root/usr/lib/modules/$k")
ln -s usr/lib "$root/lib"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -n >"$out"
EOF
chmod +x "$T/mkimage.sh"

# conf MODE: framework.conf with the test's roots.
conf() {
	{
		echo "bootdir=$T/boot"
		echo "initrd_sysconfdir=$T/sysconf"
		echo "initrd_generator=\"$T/mkimage.sh {image} {kernel} {moduledir}\""
		echo "initrd_mode=$1"
	} >"$T/etc/framework.conf"
}

# dep_a VERSION TYPE [EXPORT]: dep_a exporting "TYPE dep_a_value(TYPE)" (EXPORT "": nothing exported).
dep_a() {
	local d=$T/src/dep_a-$1
	mkdir -p "$d"
	cat >"$d/dkms.conf" <<EOF
PACKAGE_NAME="dep_a"
PACKAGE_VERSION="$1"
BUILT_MODULE_NAME[0]="dep_a"
DEST_MODULE_LOCATION[0]="/$KO"
AUTOINSTALL="yes"
EOF
	echo 'obj-m := dep_a.o' >"$d/Makefile"
	cat >"$d/dep_a.c" <<EOF
#include <linux/module.h>
$2 dep_a_value($2 x) { return x + 1; }
${3-EXPORT_SYMBOL_GPL(dep_a_value);}
MODULE_LICENSE("GPL");
MODULE_VERSION("$1");
EOF
}
dep_a 1.0 int
dep_a 2.0 long
dep_a 3.0 long ""
mkdir -p "$T/src/dep_b-1.0"
cat >"$T/src/dep_b-1.0/dkms.conf" <<'EOF'
PACKAGE_NAME="dep_b"
PACKAGE_VERSION="1.0"
BUILT_MODULE_NAME[0]="dep_b"
DEST_MODULE_LOCATION[0]="/updates/dkms"
BUILD_DEPENDS[0]="dep_a"
BUILD_DEPENDS_REBUILD="yes"
REMAKE_INITRD="yes"
AUTOINSTALL="yes"
MAKE[0]="make -C ${kernel_source_dir} M=${dkms_tree}/dep_b/1.0/build KBUILD_EXTRA_SYMBOLS=${dkms_tree}/dep_a/kernel-${kernelver}-${arch}/module/Module.symvers modules"
EOF
echo 'obj-m := dep_b.o' >"$T/src/dep_b-1.0/Makefile"
cat >"$T/src/dep_b-1.0/dep_b.c" <<'EOF'
#include <linux/module.h>
extern int dep_a_value(int x);
static int __init dep_b_init(void) { return dep_a_value(0) == 1 ? 0 : -EINVAL; }
module_init(dep_b_init);
MODULE_LICENSE("GPL");
EOF

B_INST=$T/inst/$K/$KO/dep_b.ko

# image_file IMAGE BASE PATH: PATH (under lib/modules/<K>) in the image: in
# the fragment appended to BASE when there is one, else in the gzip'd cpio.
image_file() {
	local size pad
	size=$(stat -c %s "$2")
	if [[ $(stat -c %s "$1") != "$size" ]] && cmp -s -n "$size" "$1" "$2"; then
		pad=$(((4 - size % 4) % 4))
		tail -c +$((size + pad + 1)) "$1" | zstd -dcq | (cd "$T" && rm -rf frag.x && mkdir frag.x && cd frag.x &&
			cpio -id --quiet && cat "lib/modules/$K/$3")
	else
		zcat "$1" | (cd "$T" && rm -rf img.x && mkdir img.x && cd img.x && cpio -id --quiet &&
			cat "usr/lib/modules/$K/$3")
	fi 2>/dev/null
}
# holds_b NAME BASE: ok when the image's dep_b.ko is the installed one, byte for byte.
holds_b() {
	if image_file "$IMG" "$2" "$KO/dep_b.ko" >"$T/img-b.ko" && [[ -s $T/img-b.ko ]] && cmp -s "$T/img-b.ko" "$B_INST"; then
		ok "$1"
	else
		not_ok "$1"
		{ ls -l "$T/img-b.ko" "$B_INST"; "$DKMS_BIN" lsinitrd --verbose "$IMG"; } 2>&1 | tail -n 12 | diag
	fi
}
# lacks NAME MODULE: ok when no file of the image is MODULE.ko.
lacks() {
	if "$DKMS_BIN" lsinitrd --verbose "$IMG" 2>/dev/null | awk '{print $NF}' | grep -q "/$2.ko$"; then
		not_ok "$1"
	else
		ok "$1"
	fi
}
no_journal() {
	if [[ -z $(ls -A "$T/tree/.journal" 2>/dev/null) ]]; then ok "$1"; else not_ok "$1"; ls -A "$T/tree/.journal" | diag; fi
}

# rebuilt_says MODE_LINE: the lines the install of dep_a 2.0 prints (dkms 3.4.3's, then the initrd's).
rebuilt_says() {
	printf '%s\n' "Building module(s)... done." \
		"Installing $T/inst/$K/$KO/dep_a.ko" \
		"Running depmod... done." \
		"" \
		"Rebuilding module dep_b/1.0 due to updated dependencies" \
		"" \
		"Module dep_b/1.0 for kernel $K ($ARCH):" \
		"Before uninstall, this module version was ACTIVE on this kernel." \
		"Deleting $B_INST" \
		"Running depmod... done." \
		"Building module(s)... done." \
		"Installing $B_INST" \
		"Running depmod... done." \
		"$1" >"$T/want"
}

# start MODE: a fresh tree with dep_a 1.0 and dep_b installed and the image holding dep_b.
start() {
	rm -rf "$T/tree" "$T/inst/$K/$KO" "$T/boot" "$T"/sysconf/*/*
	mkdir -p "$T/tree" "$T/boot"
	conf "$1"
	"$T/mkimage.sh" "$IMG" "$K" "$T/inst/$K"
	cp "$IMG" "$T/base.img"
	step "$1: install dep_a 1.0" 0 install -k "$K" dep_a/1.0
	step "$1: install dep_b, built against dep_a 1.0" 0 install -k "$K" dep_b/1.0
	cp "$B_INST" "$T/b-old.ko"
	holds_b "$1: the image holds dep_b" "$T/base.img"
	# as dkms 3.4.3's own test: the old version goes, the new one comes
	step "$1: remove dep_a 1.0" 0 remove dep_a/1.0 --all
	step "$1: add dep_a 2.0" 0 add dep_a/2.0
}

for MODE in regenerate fragment; do
	start $MODE
	step "$MODE: install dep_a 2.0" 0 install -k "$K" dep_a/2.0
	if [[ $MODE == regenerate ]]; then
		rebuilt_says "Regenerating $IMG with mkimage.sh... done.
The previous initrd is kept as $IMG.old-dkms"
	else
		# dep_a goes with it: modprobe dep_b in the initrd needs it (the fragment's modules.dep)
		rebuilt_says "Appending dep_a dep_b to $IMG... done."
	fi
	grep -v "^Module signing is disabled\|^Sign command:\|^Signing key:\|^Public certificate" "$T/out" | sed '/./,$!d' >"$T/got"
	expect_same "$MODE: it rebuilds dep_b (dkms 3.4.3's lines), then updates the initrd" "$T/want" "$T/got"
	check "$MODE: dep_b is recorded as built against dep_a 2.0" grep -qx 2.0 "$T/tree/dep_b/1.0/$K/$ARCH/.dep_dep_a"
	if cmp -s "$T/b-old.ko" "$B_INST"; then
		not_ok "$MODE: the rebuilt dep_b differs from the first (dep_a's CRC)"
	else
		ok "$MODE: the rebuilt dep_b differs from the first (dep_a's CRC)"
	fi
	holds_b "$MODE: the image holds the rebuilt dep_b" "$T/base.img"
	no_journal "$MODE: the journal is empty"
	image_file "$IMG" "$T/base.img" "$KO/dep_a.ko" >"$T/img-a.ko"
	check "$MODE: and dep_a 2.0, which it needs" cmp "$T/img-a.ko" "$T/inst/$K/$KO/dep_a.ko"
	step "$MODE: uninstall dep_b" 0 uninstall -k "$K" dep_b/1.0
	lacks "$MODE: the image no longer holds dep_b" dep_b
	step "$MODE: uninstall dep_a" 0 uninstall -k "$K" dep_a/2.0
	if [[ $MODE == fragment ]]; then
		check "$MODE: the image is its original bytes again" cmp "$T/base.img" "$IMG"
	else
		lacks "$MODE: nor dep_a" dep_a
	fi
done

# autoinstall installs dep_a 2.0 (the newest) and rebuilds dep_b in its transaction.
start fragment
step "autoinstall: installs dep_a 2.0" 0 autoinstall -k "$K"
check "autoinstall: it rebuilds dep_b" grep -qx "Rebuilding module dep_b/1.0 due to updated dependencies" "$T/out"
holds_b "autoinstall: the image holds the rebuilt dep_b" "$T/base.img"
no_journal "autoinstall: the journal is empty"

# dep_a 3.0 exports nothing: dep_b's rebuild fails (modpost), and as in dkms
# 3.4.3 that fails the install with the build's status; dep_b is left added,
# and the image loses it.
start fragment
step "failed rebuild: add dep_a 3.0" 0 add dep_a/3.0
step "failed rebuild: install dep_a 3.0 exits with dep_b's build status" 10 install -k "$K" dep_a/3.0
check "failed rebuild: it says why" grep -q "^Error! Bad return status for module build on kernel: $K ($ARCH)" "$T/err"
dk status dep_b
check "failed rebuild: dep_b is left added" grep -qx "dep_b/1.0: added" "$T/out"
lacks "failed rebuild: the image no longer holds dep_b" dep_b
no_journal "failed rebuild: the journal is empty"

# kill -9 as the rebuild is recorded, and once dep_b is uninstalled for it:
# status finishes the install (dep_b built against dep_a 2.0 and installed), the image follows.
for MODE in fragment regenerate; do
	for at in journal:rebuild-written uninstall:unlinked; do
		start $MODE
		{ DKMS_FAILPOINT=$at dk install -k "$K" dep_a/2.0; } 2>/dev/null
		if [[ $rc != 137 ]]; then
			not_ok "$MODE, killed at $at: exit $rc, want 137"
			cat "$T/out" "$T/err" | tail -n 5 | diag
			continue
		fi
		step "$MODE, killed at $at: status recovers" 0 status
		check "$MODE, killed at $at: it says so" grep -q "^dkms: recovered an interrupted install of dep_a/2.0 for kernel $K ($ARCH): completed" "$T/err"
		no_journal "$MODE, killed at $at: the journal is empty"
		dk status dep_b -k "$K"
		check "$MODE, killed at $at: dep_b is installed" grep -qx "dep_b/1.0, $K, $ARCH: installed" "$T/out"
		check "$MODE, killed at $at: built against dep_a 2.0" grep -qx 2.0 "$T/tree/dep_b/1.0/$K/$ARCH/.dep_dep_a"
		holds_b "$MODE, killed at $at: the image holds that build" "$T/base.img"
	done
done
