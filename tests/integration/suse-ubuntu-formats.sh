#!/bin/bash
# SUSE and Ubuntu driver disks from real builds: a two-module package whose
# second module needs the first (so module.order must put it first),
# megaraid_sas from Debian's linux-source, and dkms_tiny. Each disk is made
# by `dkms mkdriverdisk`, unpacked with the standard tools (cpio, xorriso,
# ar, dpkg-deb) and compared file by file, and read back by `dkms checkdisk`
# as linuxrc/YaST and debian-installer would. Broken disks (no UpdateID, a
# module listed but missing, a wrong arch directory, an xz control member, a
# foreign-arch package) must be rejected with one line each; bad -r values
# must be refused before anything is built. FORMATS_DRIVERS="" skips
# megaraid_sas.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
if [[ -z $K ]]; then
	skip "suse/ubuntu driver disks" "no kernel headers installed"
	exit 0
fi
for p in cpio xorriso dpkg-deb ar unsquashfs mcopy; do
	command -v $p >/dev/null || { skip "suse/ubuntu driver disks" "$p missing"; exit 0; }
done
mkdir -p "$T"/{src,tree,inst/"$K",etc,out}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
printf 'ID=debian\nVERSION_CODENAME=bookworm\n' >"$T/os-release"
printf 'ID=ubuntu\nVERSION_CODENAME=noble\nUBUNTU_CODENAME=noble\n' >"$T/os-release-ubuntu"
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc try_sign_modules=false
unset sign_file post_transaction parallel_jobs SOURCE_DATE_EPOCH

dk() {
	"$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" \
		"$@" >"$T/out.txt" 2>"$T/err.txt"
	rc=$?
}
step() {
	local name=$1 want=$2
	shift 2
	dk "$@"
	if [[ $rc == "$want" ]]; then ok "$name"; else
		not_ok "$name (exit $rc, want $want)"
		cat "$T/out.txt" "$T/err.txt" | tail -n 20 | diag
	fi
}
# unpack IMAGE DIR: with the standard tool for its kind
unpack() {
	rm -rf "$2" && mkdir -p "$2"
	case $1 in
	*.cpio.gz) gzip -dc "$1" | (cd "$2" && cpio -idm --quiet) ;;
	*.iso) xorriso -osirrox on -indev "$1" -extract / "$2" >/dev/null 2>&1 ;;
	*) return 1 ;;
	esac
}
# repack DIR IMAGE: a newc cpio.gz, directories first, as mkdud's cpio does
repack() { (cd "$1" && find . | sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 >"$2"; }

# ---- a package of two modules: dep_b uses a symbol of dep_a ----
D=$T/src/depdemo-1.0
mkdir -p "$D"
cat >"$D/dep_a.c" <<'EOF'
#include <linux/module.h>
int dep_a_answer(void) { return 42; }
EXPORT_SYMBOL_GPL(dep_a_answer);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dkms test: provides a symbol");
EOF
cat >"$D/dep_b.c" <<'EOF'
#include <linux/module.h>
int dep_a_answer(void);
static int __init dep_b_init(void) { return dep_a_answer() == 42 ? 0 : -EINVAL; }
static void __exit dep_b_exit(void) { }
module_init(dep_b_init);
module_exit(dep_b_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("dkms test: needs dep_a");
EOF
echo 'obj-m := dep_a.o dep_b.o' >"$D/Makefile"
# dkms.conf names dep_b first: the disk must still load dep_a first
cat >"$D/dkms.conf" <<'EOF'
PACKAGE_NAME="depdemo"
PACKAGE_VERSION="1.0"
BUILT_MODULE_NAME[0]="dep_b"
DEST_MODULE_LOCATION[0]="/extra"
BUILT_MODULE_NAME[1]="dep_a"
DEST_MODULE_LOCATION[1]="/updates/dkms"
EOF
step "add depdemo" 0 add depdemo/1.0

# ---- SUSE, default medium (gzip cpio) ----
IMG=$T/out/depdemo-1.0-suse-sles15-dd.cpio.gz
step "mkdriverdisk -d suse -r sles15 (builds first)" 0 mkdriverdisk depdemo/1.0 -d suse -r sles15 -k "$K" --archive "$T/out"
check "the image is where it says" grep -qxF "Disk image location: $IMG" "$T/out.txt"
check "a gzip cpio (newc), as linuxrc sniffs it" sh -c "gzip -dc '$IMG' | head -c 6 | grep -qx 070701"
B=linux/suse/x86_64-sles15
{
	printf '%s\n' . linux linux/suse "$B" "$B/dud.config" "$B/install" "$B/install/$K" \
		"$B/install/$K/dep_a.ko" "$B/install/$K/dep_b.ko" "$B/install/update.post" \
		"$B/modules" "$B/modules/dep_a.ko" "$B/modules/dep_b.ko" "$B/modules/module.order"
} | sort >"$T/want.list"
gzip -dc "$IMG" | cpio -t --quiet 2>/dev/null | sed 's|^\./||' | sort >"$T/got.list"
# "." may or may not be in the archive; compare without it
expect_same "the files of the SUSE disk" <(grep -vx '\.' "$T/want.list") <(grep -vx '\.' "$T/got.list")
unpack "$IMG" "$T/x"
ID=$(sed -n 's/^UpdateID:\t//p' "$T/x/$B/dud.config")
printf '# created by dkms 3.4.3\nUpdateID:\t%s\nUpdatePriority:\t50\nUpdateName:\tdepdemo 1.0 (dkms)\n' "$ID" >"$T/want.cfg"
expect_same "dud.config" "$T/want.cfg" "$T/x/$B/dud.config"
check "UpdateID: module, version, dist and 12 hex digits of the content" \
	sh -c "echo '$ID' | grep -Eqx 'dkms-depdemo-1\.0-sles15-[0-9a-f]{12}'"
expect_same "module.order: dep_a before dep_b, which needs it" <(printf 'dep_a\ndep_b\n') "$T/x/$B/modules/module.order"
check "modinfo agrees dep_b needs dep_a" sh -c "modinfo -F depends '$T/x/$B/modules/dep_b.ko' | grep -qx dep_a"
check "modules/ holds the built modules" cmp "$T/x/$B/modules/dep_b.ko" "$T/tree/depdemo/1.0/$K/x86_64/module/dep_b.ko"
check "install/<kernel>/ holds the built modules" \
	cmp "$T/x/$B/install/$K/dep_b.ko" "$T/tree/depdemo/1.0/$K/x86_64/module/dep_b.ko"
check "update.post puts them at their destination (Debian's override of /extra)" \
	grep -qx "	'updates/dkms/dep_b.ko' \\\\" "$T/x/$B/install/update.post"
check "update.post is executable sh" sh -c "test -x '$T/x/$B/install/update.post' && sh -n '$T/x/$B/install/update.post'"
check "update.post installs for $K" grep -qx "install_modules '$K' \\\\" "$T/x/$B/install/update.post"
step "checkdisk accepts it" 0 checkdisk "$IMG" -k "$K"
check "checkdisk: linuxrc loads dep_a" grep -qF "dep_a ($B/modules/dep_a.ko)" "$T/out.txt"
check "checkdisk: YaST installs dep_b" grep -qF "dep_b ($B/install/$K/dep_b.ko, for the installed system)" "$T/out.txt"

# broken copies of it, repacked as mkdud would
broken() { # NAME: unpack, let the caller edit $T/b, repack to $T/out/NAME.cpio.gz
	unpack "$IMG" "$T/b"
}
checkbad() { # NAME EXPECTED-PROBLEM
	repack "$T/b" "$T/out/$1.cpio.gz"
	dk checkdisk "$T/out/$1.cpio.gz" -k "$K"
	if [[ $rc == 1 ]]; then ok "checkdisk rejects $1"; else not_ok "checkdisk rejects $1 (exit $rc)"; fi
	check "checkdisk says why ($1)" grep -qF "$2" "$T/err.txt"
}
broken && sed -i '/^UpdateID/d' "$T/b/$B/dud.config"
checkbad no-updateid "$B/dud.config: no UpdateID (linuxrc tells updates apart by it)"
broken && echo megaraid_sas >>"$T/b/$B/modules/module.order"
checkbad order-missing "$B/modules/module.order: megaraid_sas is listed, but there is no modules/megaraid_sas.ko[.xz|.gz|.zst]"
broken && mv "$T/b/$B" "$T/b/linux/suse/aarch64-sles15"
checkbad wrong-arch "linux/suse: no <arch>-<dist> directory for x86_64"
broken && mv "$T/b/$B" "$T/b/linux/suse/x86_64-sles15sp4"
checkbad bad-dist "linux/suse/x86_64-sles15sp4: not an <arch>-<dist> directory linuxrc looks for (e.g. x86_64-sles15)"
broken && sed -i 1d "$T/b/$B/install/update.post"
checkbad post-no-shebang "$B/install/update.post: does not start with #!"

# where no distro override applies, a module dkms.conf sends to /extra goes
# where dkms puts it on SUSE, /updates (depmod there prefers updates/)
printf 'ID=plainos\n' >"$T/os-release-plain"
DKMS_OS_RELEASE=$T/os-release-plain step "suse disk made on a distro without override" 0 \
	mkdriverdisk depdemo/1.0 -d suse -r sles15 -k "$K" --archive "$T/out/plain.cpio.gz"
unpack "$T/out/plain.cpio.gz" "$T/pl"
check "the modules are in install/<kernel>/" test -f "$T/pl/$B/install/$K/dep_b.ko" -a -f "$T/pl/$B/install/$K/dep_a.ko"
check "/extra becomes /updates on the SUSE disk" grep -qx "	'updates/dep_b.ko' \\\\" "$T/pl/$B/install/update.post"
check "a /updates/dkms destination stays" grep -qx "	'updates/dkms/dep_a.ko'" "$T/pl/$B/install/update.post"

# every medium SUSE takes, with two dists sharing one tree
for m in iso tar floppy squashfs; do
	step "suse on $m, sles15+sled15" 0 mkdriverdisk depdemo/1.0 -d suse -r sles15,sled15 -k "$K" --media $m --archive "$T/out"
	img=$(sed -n 's/^Disk image location: //p' "$T/out.txt")
	step "checkdisk reads the $m back" 0 checkdisk "$img" -k "$K"
	check "$m: both dists are served" sh -c "grep -q 'x86_64-sles15/modules/dep_a.ko' '$T/out.txt' && grep -q 'x86_64-sled15/modules/dep_a.ko' '$T/out.txt'"
done

# UpdateID per disk content: linuxrc skips a second update of an ID it has
# applied, so the disk for another kernel must have an ID of its own, and
# the same disk made again the same ID
# (a second kernel: a copy of the headers that calls itself 6.1.0-99-amd64)
K2=${K%%-*}-99-amd64
mkdir -p "$T/inst/$K2" && cp -a "/usr/src/linux-headers-$K" "$T/inst/$K2/build"
echo "#define UTS_RELEASE \"$K2\"" >"$T/inst/$K2/build/include/generated/utsrelease.h"
echo "$K2" >"$T/inst/$K2/build/include/config/kernel.release"
for l in scripts tools; do ln -sfn "$(readlink -f "/usr/src/linux-headers-$K/$l")" "$T/inst/$K2/build/$l"; done
step "the same disk again" 0 mkdriverdisk depdemo/1.0 -d suse -r sles15 -k "$K" --archive "$T/out/again.cpio.gz"
unpack "$T/out/again.cpio.gz" "$T/again"
check "the same content keeps its UpdateID" grep -qxF "UpdateID:	$ID" "$T/again/$B/dud.config"
step "a disk for another kernel" 0 mkdriverdisk depdemo/1.0 -d suse -r sles15 -k "$K2" --archive "$T/out/k2.cpio.gz"
unpack "$T/out/k2.cpio.gz" "$T/k2"
ID2=$(sed -n 's/^UpdateID:\t//p' "$T/k2/$B/dud.config")
check "another kernel's disk has another UpdateID" sh -c "test -n '$ID2' && test '$ID2' != '$ID'"
# both disks merged as linuxrc takes several (01/, 02/): two IDs, both applied
mkdir -p "$T/both/01" "$T/both/02"
cp -a "$T/again/linux" "$T/both/01/" && cp -a "$T/k2/linux" "$T/both/02/"
repack "$T/both" "$T/out/both.cpio.gz"
step "checkdisk takes the two merged" 0 checkdisk "$T/out/both.cpio.gz" -k "$K"

# SLE service packs have no directory of their own (installation-images
# strips .<SP> from the sles/sled dist linuxrc reads): -r sles15.6 makes
# x86_64-sles15 and says so; SLE 16 directories are sles16.<M> as mkdud's
step "-r sles15.6" 0 mkdriverdisk depdemo/1.0 -d suse -r sles15.6 -k "$K" --archive "$T/out/sp.cpio.gz"
check "it says the service pack has no directory" grep -qxF \
	"SLE service packs have no driver update directory of their own: -r sles15.6 makes <arch>-sles15, which linuxrc reads on every service pack of SLE 15." "$T/out.txt"
expect_same "the disk holds x86_64-sles15 only" <(echo x86_64-sles15) <(gzip -dc "$T/out/sp.cpio.gz" | cpio -t --quiet 2>/dev/null | sed -n 's|^\(\./\)\{0,1\}linux/suse/\([^/]*\)$|\2|p')
step "-r sles15.6,sles15 makes one directory" 0 mkdriverdisk depdemo/1.0 -d suse -r sles15.6,sles15,sled15.7 -k "$K" --archive "$T/out/sp2.cpio.gz"
expect_same "sles15 and sled15, once each" <(printf 'x86_64-sled15\nx86_64-sles15\n') <(gzip -dc "$T/out/sp2.cpio.gz" | cpio -t --quiet 2>/dev/null | sed -n 's|^\(\./\)\{0,1\}linux/suse/\([^/]*\)$|\2|p' | sort)
step "-r sles16" 0 mkdriverdisk depdemo/1.0 -d suse -r sles16 -k "$K" --archive "$T/out/s16.cpio.gz"
expect_same "SLE 16: x86_64-sles16.0" <(echo x86_64-sles16.0) <(gzip -dc "$T/out/s16.cpio.gz" | cpio -t --quiet 2>/dev/null | sed -n 's|^\(\./\)\{0,1\}linux/suse/\([^/]*\)$|\2|p')
broken && mv "$T/b/$B" "$T/b/linux/suse/x86_64-sles15.6"
checkbad sp-dir "linux/suse/x86_64-sles15.6: no installer reads this directory: the one for sles15.6 is x86_64-sles15"

# bad -r: refused before anything is built or written
rm -rf "$T/tree/depdemo/1.0/$K"
step "-r sles15sp4 is refused" 1 mkdriverdisk depdemo/1.0 -d suse -r sles15sp4 -k "$K" --archive "$T/out/bad.cpio.gz"
check "it says which forms are valid" grep -q "Error! Invalid SUSE release 'sles15sp4': use sles<N>, sled<N> (SLE 15 and older" "$T/err.txt"
check "no image, and nothing built" sh -c "test ! -e '$T/out/bad.cpio.gz' && test ! -e '$T/tree/depdemo/1.0/$K'"
step "-d suse without -r is refused" 1 mkdriverdisk depdemo/1.0 -d suse -k "$K" --archive "$T/out/bad.cpio.gz"
check "no image" test ! -e "$T/out/bad.cpio.gz"

# ---- Ubuntu ----
UIMG=$T/out/depdemo-1.0-ubuntu-jammy-dd.iso
step "mkdriverdisk -d ubuntu -r jammy (iso)" 0 mkdriverdisk depdemo/1.0 -d ubuntu -r jammy -k "$K" --archive "$T/out"
check "the ISO is labelled OEMDRV" sh -c "blkid -o value -s LABEL '$UIMG' | grep -qx OEMDRV"
unpack "$UIMG" "$T/u"
DEB=ubuntu-drivers/jammy/depdemo-modules-${K}_1.0_amd64.deb
expect_same "the files of the Ubuntu disk" <(echo "$DEB") <(cd "$T/u" && find . -type f | sed 's|^\./||')
expect_same "its package has a gzip control member" <(printf 'debian-binary\ncontrol.tar.gz\ndata.tar.gz\n') <(ar t "$T/u/$DEB")
check "its package is for amd64" test "$(dpkg-deb -f "$T/u/$DEB" Architecture)" = amd64
check "its modules are at Ubuntu's dkms destination" sh -c \
	"dpkg-deb -c '$T/u/$DEB' | grep -q ' ./lib/modules/$K/updates/dkms/dep_b.ko$'"
step "checkdisk accepts it" 0 checkdisk "$UIMG" -k "$K"
check "checkdisk lists dep_b from the package" grep -q "dep_b ($DEB: lib/modules/$K/updates/dkms/dep_b.ko)" "$T/out.txt"
step "ubuntu on a floppy" 0 mkdriverdisk depdemo/1.0 -d ubuntu -r jammy -k "$K" --media floppy --archive "$T/out"
step "checkdisk reads the floppy back" 0 checkdisk "$T/out/depdemo-1.0-ubuntu-jammy-dd.img" -k "$K"
step "ubuntu on cpio is refused" 1 mkdriverdisk depdemo/1.0 -d ubuntu -r jammy -k "$K" --media cpio --archive "$T/out"
step "-d ubuntu without -r on Debian is refused" 1 mkdriverdisk depdemo/1.0 -d ubuntu -k "$K" --archive "$T/out/nocodename.iso"
check "it asks for -r" grep -q "Error! The ubuntu driver disk needs -r <codename>" "$T/err.txt"
check "no image" test ! -e "$T/out/nocodename.iso"
DKMS_OS_RELEASE=$T/os-release-ubuntu step "-d ubuntu without -r on Ubuntu takes its codename" 0 \
	mkdriverdisk depdemo/1.0 -d ubuntu -k "$K" --archive "$T/out/noble.iso"
unpack "$T/out/noble.iso" "$T/n"
check "ubuntu-drivers/noble/ holds the package" test -f "$T/n/ubuntu-drivers/noble/depdemo-modules-${K}_1.0_amd64.deb"

# broken Ubuntu disks: an xz control member, a foreign arch
mkdir -p "$T/p/DEBIAN"
printf 'Package: foreign\nVersion: 1\nArchitecture: arm64\nMaintainer: t <t@t>\nDescription: x\n' >"$T/p/DEBIAN/control"
cp -r "$T/u" "$T/ub"
dpkg-deb -Zgzip --build "$T/p" "$T/ub/ubuntu-drivers/jammy/foreign_1_arm64.deb" >/dev/null
sed -i 's/^Architecture: .*/Architecture: amd64/; s/^Package: .*/Package: xzpkg/' "$T/p/DEBIAN/control"
dpkg-deb -Zxz --build "$T/p" "$T/ub/ubuntu-drivers/jammy/xzpkg_1_amd64.deb" >/dev/null
xorriso -as mkisofs -r -V OEMDRV -o "$T/out/broken-ubuntu.iso" "$T/ub" >/dev/null 2>&1
dk checkdisk "$T/out/broken-ubuntu.iso" -k "$K"
if [[ $rc == 1 ]]; then ok "checkdisk rejects the broken Ubuntu disk"; else not_ok "checkdisk rejects the broken Ubuntu disk (exit $rc)"; fi
check "foreign arch named" grep -qF "ubuntu-drivers/jammy/foreign_1_arm64.deb: Architecture arm64, the installer takes amd64 or all" "$T/err.txt"
check "xz control member named" grep -qF "ubuntu-drivers/jammy/xzpkg_1_amd64.deb: control member is control.tar.xz, the installer reads only control.tar.gz" "$T/err.txt"

# ---- megaraid_sas ----
if [[ -n ${FORMATS_DRIVERS-megaraid_sas} ]]; then
	if SRCDIR=$("$TOP/examples/get-driver-source.sh" megaraid_sas 2>"$T/get.err"); then
		V=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRCDIR/dkms.conf")
		cp -r "$SRCDIR" "$T/src/megaraid_sas-$V"
		step "add megaraid_sas $V" 0 add "megaraid_sas/$V"
		# depdemo above proves mkdriverdisk builds what is missing; the driver
		# comes built (once a run: tests/lib.sh dk_build)
		start=$SECONDS
		step_built "build megaraid_sas $V" "megaraid_sas/$V" "$K"
		step "megaraid_sas SUSE disk" 0 mkdriverdisk "megaraid_sas/$V" -d suse -r sles15 -k "$K" --archive "$T/out"
		echo "# megaraid_sas build + SUSE disk: $((SECONDS - start)) s"
		MIMG=$T/out/megaraid_sas-$V-suse-sles15-dd.cpio.gz
		unpack "$MIMG" "$T/m"
		expect_same "megaraid_sas module.order" <(echo megaraid_sas) "$T/m/$B/modules/module.order"
		check "megaraid_sas goes below /updates, not over the kernel's own" \
			sh -c "test -f '$T/m/$B/install/$K/megaraid_sas.ko' && grep -qx \"	'updates/dkms/megaraid_sas.ko'\" '$T/m/$B/install/update.post'"
		check "the installer's module carries its PCI ids" sh -c \
			"modinfo -F alias '$T/m/$B/modules/megaraid_sas.ko' | grep -q '^pci:v00001000d'"
		step "checkdisk accepts the megaraid_sas SUSE disk" 0 checkdisk "$MIMG" -k "$K"
		step "megaraid_sas Ubuntu disk" 0 mkdriverdisk "megaraid_sas/$V" -d ubuntu -r jammy -k "$K" --archive "$T/out"
		step "checkdisk accepts the megaraid_sas Ubuntu disk" 0 checkdisk "$T/out/megaraid_sas-$V-ubuntu-jammy-dd.iso" -k "$K"
		check "it lists megaraid_sas" grep -q "megaraid_sas (ubuntu-drivers/jammy/megaraid-sas-modules-${K}_${V}_amd64.deb: lib/modules/$K/updates/dkms/megaraid_sas.ko)" "$T/out.txt"
	else
		skip "megaraid_sas" "no driver source: $(tail -n 1 "$T/get.err")"
	fi
fi
echo "1..$_tap_n"
