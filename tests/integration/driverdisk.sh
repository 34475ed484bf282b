#!/bin/bash
# mkdriverdisk, the proof matrix: megaraid_sas and qla2xxx (Debian's
# linux-source-6.1, examples/get-driver-source.sh) built once for the kernel
# with headers, then every distro x every medium it supports. Each image is
# read back with tools that are not ours (blkid -p, isoinfo, xorriso, mtools,
# unsquashfs, cpio, tar, rpm -qp, dpkg-deb, modinfo), its layout checked as
# its installer needs it, every module on it has the vermagic of a kernel
# asked for, and `dkms checkdisk` accepts it. Then several kernels on one
# disk (the tiny module for $K and for $K2, a copy of $K's headers that only
# renames the release: two genuine builds, two vermagics; no other arch can
# be built here), and the failure paths: bad options, a kernel without
# headers, a floppy too small, a full file system: one line, non-zero exit,
# no image left.
#
# DRIVERDISK_DRIVERS="megaraid_sas" limits the matrix ("" skips it).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/dud-lib.bash"

if [[ -z $K || ! -x $DKMS_BIN ]]; then
	echo "1..0 # SKIP needs kernel headers and $DKMS_BIN"
	exit 0
fi
dud_setup

# Media each distro supports, its default first (the formats' tables).
declare -A MEDIA=(
	[redhat]="iso floppy tar cpio squashfs"
	[redhat1]="floppy iso tar"
	[redhat2]="floppy iso tar"
	[suse]="cpio tar iso floppy squashfs"
	[ubuntu]="iso floppy"
	[initramfs]="cpio"
)
DISTROS="redhat redhat1 redhat2 suse ubuntu initramfs"
# the initramfs fragment's module index needs the kernel's own modules
MATRIX=$DISTROS
if [[ -z $HAVE_KERNEL_MODULES ]]; then
	MATRIX=${DISTROS% initramfs}
	skip "initramfs fragments" "no /lib/modules/$K/kernel to index"
fi
# -r per distro (suse needs one; ubuntu names the release it serves)
declare -A REL=([suse]=sles15 [ubuntu]=jammy)
# floppy sizes big enough for each driver (qla2xxx.ko is about 2 MiB)
declare -A FLOPPY_KIB=([megaraid_sas]=1440 [qla2xxx]=4096 [dkms_tiny]=1440)

# expand DIR: unpack what sits inside a disk (RPMs, debs, modules.cgz,
# update tarballs, a dd.iso) next to it, in DIR.x/.
expand() {
	local dir=$1 out=$1.x n=0 f
	rm -rf "$out"
	mkdir -p "$out"
	while IFS= read -r f; do
		n=$((n + 1))
		mkdir -p "$out/$n"
		case $f in
		*.rpm) (cd "$out/$n" && rpm2cpio "$f" | cpio -idm --quiet) || { echo "rpm2cpio cannot unpack $f"; return 1; } ;;
		*.deb) dpkg-deb -x "$f" "$out/$n" || { echo "dpkg-deb cannot unpack $f"; return 1; } ;;
		*.cgz) (cd "$out/$n" && gzip -dc "$f" | cpio -idm --quiet) || { echo "cannot unpack $f"; return 1; } ;;
		*.tar.gz | *.tgz) tar -xzf "$f" -C "$out/$n" || { echo "cannot unpack $f"; return 1; } ;;
		*.iso) read_iso "$f" "$out/$n" && expand "$out/$n" || return 1 ;;
		esac
	done < <(find "$dir" -type f \( -name '*.rpm' -o -name '*.deb' -o -name '*.cgz' -o -name '*.tar.gz' -o -name '*.tgz' -o -name '*.iso' \))
}

# modules_for DIR DRIVER KERNEL...: the disk (with what it holds) carries
# DRIVER built for exactly these kernels.
modules_for() {
	local dir=$1 drv=$2 f have want
	shift 2
	expand "$dir" || return 1
	have=$(find "$dir" "$dir.x" -name "$drv.ko*" -type f | while IFS= read -r f; do ko_vermagic "$f"; done | sort -u | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort -u | tr '\n' ' ')
	[[ $have == "$want" ]] || { echo "$drv.ko on the disk is built for '$have', want '$want'"; find "$dir" "$dir.x" -name "$drv.ko*"; return 1; }
}

# layout_ok DISTRO DIR DRIVER: what the installer looks for first.
layout_ok() {
	local distro=$1 dir=$2 drv=$3 rpms
	case $distro in
	redhat)
		if [[ -f $dir/dd.iso ]]; then
			dir=$dir.inner
			rm -rf "$dir" && mkdir -p "$dir" && read_iso "$2/dd.iso" "$dir" || return 1
		fi
		[[ -s $dir/rhdd3 ]] || { echo "no rhdd3"; return 1; }
		[[ -f $dir/rpms/$ARCH/repodata/repomd.xml ]] || { echo "no rpms/$ARCH/repodata/repomd.xml"; return 1; }
		rpms=$(find "$dir/rpms/$ARCH" -maxdepth 1 -name '*.rpm' | wc -l)
		((rpms > 0)) || { echo "no RPM in rpms/$ARCH"; return 1; }
		[[ -z $(find "$dir/rpms" -mindepth 3 -name '*.rpm') ]] || { echo "RPMs below rpms/<arch>/"; return 1; }
		for r in "$dir/rpms/$ARCH"/*.rpm; do
			rpm -qp --provides "$r" 2>/dev/null | grep -qE '^kernel-modules (>=|=) [0-9]' ||
				{ echo "$r: no versioned kernel-modules Provide"; rpm -qp --provides "$r"; return 1; }
			rpm -qp --list "$r" 2>/dev/null | grep -qE "^/lib/modules/[^/]+/.*/$drv\.ko(\.xz|\.gz|\.zst)?$" ||
				{ echo "$r: no /lib/modules/.../$drv.ko"; rpm -qp --list "$r"; return 1; }
		done
		;;
	redhat1 | redhat2)
		[[ -s $dir/rhdd || -s $dir/rhdd-6.1 ]] || { echo "no rhdd or rhdd-6.1"; return 1; }
		for f in modinfo modules.dep modules.cgz pcitable modules.alias; do
			[[ -f $dir/$f ]] || { echo "no $f"; return 1; }
		done
		[[ $(head -n1 "$dir/modinfo") == "Version 0" ]] || { echo "modinfo does not start 'Version 0'"; return 1; }
		[[ -z $(tail -c1 "$dir/modules.dep") ]] || { echo "modules.dep does not end in a newline"; return 1; }
		grep -qE "^alias pci:[^ ]+ $drv$" "$dir/modules.alias" || { echo "no 'alias pci:... $drv' in modules.alias"; return 1; }
		gzip -dc "$dir/modules.cgz" | cpio -t --quiet >"$dir.cgz.list" || { echo "modules.cgz is not a gzip cpio"; return 1; }
		if [[ $distro == redhat2 ]]; then
			grep -qxE "[^/]+/$ARCH/$drv\.ko" "$dir.cgz.list" || { echo "modules.cgz has no <kver>/$ARCH/$drv.ko"; cat "$dir.cgz.list"; return 1; }
		else
			grep -qxE "[^/]+/$drv\.ko" "$dir.cgz.list" || { echo "modules.cgz has no <kver>/$drv.ko"; cat "$dir.cgz.list"; return 1; }
		fi
		;;
	suse)
		[[ -f $dir/linux/suse/$ARCH-${REL[suse]}/dud.config ]] || { echo "no linux/suse/$ARCH-${REL[suse]}/dud.config"; find "$dir" | head; return 1; }
		grep -q '^UpdateID:' "$dir/linux/suse/$ARCH-${REL[suse]}/dud.config" || { echo "dud.config has no UpdateID"; return 1; }
		[[ -n $(find "$dir/linux/suse/$ARCH-${REL[suse]}/modules" -name "$drv.ko*") ]] || { echo "no modules/$drv.ko*"; return 1; }
		;;
	ubuntu)
		debs=$(find "$dir/ubuntu-drivers/${REL[ubuntu]}" -maxdepth 1 -name '*.deb' 2>/dev/null)
		[[ -n $debs ]] || { echo "no ubuntu-drivers/${REL[ubuntu]}/*.deb"; find "$dir" | head; return 1; }
		for d in $debs; do
			ar t "$d" | grep -qx control.tar.gz || { echo "$d: control member is not control.tar.gz"; return 1; }
			dpkg-deb -c "$d" | grep -qE "lib/modules/[^/]+/.*/$drv\.ko" || { echo "$d: no $drv.ko"; dpkg-deb -c "$d"; return 1; }
		done
		;;
	initramfs)
		[[ -n $(find "$dir/lib/modules" "$dir/usr/lib/modules" -name "$drv.ko*" 2>/dev/null) ]] ||
			{ echo "no lib/modules/.../$drv.ko*"; find "$dir" | head; return 1; }
		;;
	esac
}

# checkdisk_ok IMG DISTRO DRIVER KERNEL: accepted, the format named, the driver listed.
checkdisk_ok() {
	local img=$1 distro=$2 drv=$3 k=$4
	"$DKMS_BIN" checkdisk "$img" -k "$k" >"$T/cd.out" 2>"$T/cd.err" || { echo "checkdisk exit $?"; cat "$T/cd.out" "$T/cd.err"; return 1; }
	grep -q "^Format: $distro (" "$T/cd.out" || { echo "checkdisk does not say Format: $distro"; cat "$T/cd.out"; return 1; }
	grep -q "^  $drv\b" "$T/cd.out" || { echo "checkdisk lists no $drv"; cat "$T/cd.out"; return 1; }
	grep -qx 'Result: OK' "$T/cd.out" || { cat "$T/cd.out"; return 1; }
	[[ ! -s $T/cd.err ]] || { cat "$T/cd.err"; return 1; }
}

# one_disk DRIVER VERSION DISTRO MEDIUM [EXTRA ARGS]: make, read back, check.
one_disk() {
	local drv=$1 v=$2 distro=$3 medium=$4 img dir rel=() kib
	shift 4
	[[ -n ${REL[$distro]:-} ]] && rel=(-r "${REL[$distro]}")
	kib=${FLOPPY_KIB[$drv]}
	local size=()
	[[ $medium == floppy && $kib != 1440 ]] && size=(--size "$kib")
	step "$drv $distro $medium: mkdriverdisk" 0 mkdriverdisk "$drv/$v" -k "$K" -d "$distro" "${rel[@]}" \
		--media "$medium" "${size[@]}" --archive "$T/img/" "$@"
	((rc == 0)) || return
	img=$(image_of)
	check "$drv $distro $medium: image at the path printed" test -f "$img"
	dir=$T/rb/$drv-$distro-$medium
	# a fragment leaves lib/ to the initrd it is appended to (often a symlink to usr/lib)
	[[ $distro == initramfs ]] && kib=lib
	check "$drv $distro $medium: read back by independent tools" read_back "$img" "$medium" "$dir" "$kib"
	check "$drv $distro $medium: layout" layout_ok "$distro" "$dir" "$drv"
	check "$drv $distro $medium: $drv for $K, vermagic $K" modules_for "$dir" "$drv" "$K"
	check "$drv $distro $medium: checkdisk accepts it" checkdisk_ok "$img" "$distro" "$drv" "$K"
}

# --- the matrix ---------------------------------------------------------------
for drv in ${DRIVERDISK_DRIVERS-megaraid_sas qla2xxx}; do
	src=$("$TOP/examples/get-driver-source.sh" "$drv" 2>"$T/get.err") ||
		{ not_ok "$drv: source from linux-source-6.1"; diag <"$T/get.err"; continue; }
	v=${src##*/"$drv"-}
	step "$drv: add" 0 add "$src"
	t0=$SECONDS
	step_built "$drv: build -k $K" "$drv/$v" "$K"
	echo "$drv build: $((SECONDS - t0)) s" | diag
	t0=$SECONDS
	for distro in $MATRIX; do
		for medium in ${MEDIA[$distro]}; do
			one_disk "$drv" "$v" "$distro" "$medium"
		done
	done
	echo "$drv matrix: $((SECONDS - t0)) s" | diag
done

# --- cpio compressions (suse: gzip and xz only for linuxrc; kernel: zstd too) --
drv=megaraid_sas
if [[ -d $T/tree/$drv ]]; then
	v=$(ls "$T/tree/$drv" | head -n1)
	for comp in gzip xz zstd none; do
		distro=initramfs
		[[ $comp == gzip || $comp == xz || $comp == none ]] && distro=suse
		one_disk "$drv" "$v" "$distro" cpio --compress "$comp" --archive "$T/img/$distro-$comp.cpio"
		check "$distro cpio --compress $comp: compressed with $comp" test "$(compression_of "$T/img/$distro-$comp.cpio")" = "$comp"
	done
	xz --robot --list "$T/img/suse-xz.cpio" | grep -q $'^file\t.*\tCRC32\t' &&
		ok "xz cpio: CRC32 check (the kernel's XZ Embedded refuses CRC64)" ||
		{ not_ok "xz cpio: CRC32 check"; xz --robot --list "$T/img/suse-xz.cpio" | diag; }
	one_disk "$drv" "$v" suse tar --compress gzip
fi

# --- defaults: location, name, medium; the line scripts grep -------------------
dk add "$TOP/examples/dkms_tiny"
step "tiny: mkdriverdisk -d redhat (defaults)" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat
want=$T/tree/dkms_tiny/1.0/driver_disk/dkms_tiny-1.0-redhat-dd.iso
check "default: <dkmstree>/M/V/driver_disk/<m>-<v>-<distro>-dd.iso" test -f "$want"
check "default: 'Disk image location: <path>' printed" grep -qx "Disk image location: $want" "$T/out"
check "default: a boot hint printed" grep -q '^Boot: .*OEMDRV' "$T/out"
check "tiny: built by mkdriverdisk (it was only added)" test -f "$T/tree/dkms_tiny/1.0/$K/$ARCH/module/dkms_tiny.ko"
step "tiny: -d suse -r sles15 (default cpio)" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d suse -r sles15
check "default: suse name carries the release, cpio.gz" test -f "$T/tree/dkms_tiny/1.0/driver_disk/dkms_tiny-1.0-suse-sles15-dd.cpio.gz"
check "default: suse image is a gzip newc cpio" read_back "$T/tree/dkms_tiny/1.0/driver_disk/dkms_tiny-1.0-suse-sles15-dd.cpio.gz" cpio "$T/rb/tiny-suse"
step "tiny: -m M -v V form" 0 mkdriverdisk -m dkms_tiny -v 1.0 -k "$K" -d redhat2 --archive "$T/img/mv.img"
check "-m -v: image written" read_back "$T/img/mv.img" floppy "$T/rb/mv"
# a tar is no disk: the hint says to unpack it (or, for linuxrc, to fetch it)
step "tiny: -d redhat --media tar" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat --media tar --archive "$T/img/hint.tar"
check "redhat tar: the boot hint says to unpack it onto an OEMDRV disk" grep -qx \
	"Boot: anaconda does not read a tar: unpack it onto a disk labelled OEMDRV, which anaconda loads by itself (or name the disk with inst.dd=hd:<device>)." "$T/out"
step "tiny: -d suse --media tar" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d suse -r sles15 --media tar --archive "$T/img/hint-suse.tar"
check "suse tar: the boot hint names dud= and OEMDRV, not appending to the initrd" grep -qx \
	"Boot: dud=http://<server>/hint-suse.tar (linuxrc unpacks it), or unpack it onto a disk labelled OEMDRV." "$T/out"
# SOURCE_DATE_EPOCH set (reproducible builds): mksquashfs refuses it beside
# its own time options, so it is not passed on; the image carries its time
SOURCE_DATE_EPOCH=1600000000 step "tiny: squashfs with SOURCE_DATE_EPOCH set" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" \
	-d suse -r sles15 --media squashfs --archive "$T/img/sde.squashfs"
check "squashfs with SOURCE_DATE_EPOCH: its files dated SOURCE_DATE_EPOCH" sh -c \
	"TZ=UTC unsquashfs -lln '$T/img/sde.squashfs' | grep -q ' 2020-09-13 12:26 squashfs-root/linux/suse/$ARCH-sles15/dud.config\$'"
step "tiny: -q prints nothing" 0 mkdriverdisk -q dkms_tiny/1.0 -k "$K" -d redhat --archive "$T/img/q.iso"
check "-q: no output, image made" test ! -s "$T/out" -a ! -s "$T/err" -a -f "$T/img/q.iso"

# --- several kernels on one disk ---------------------------------------------
second_kernel
for distro in redhat redhat2 suse ubuntu initramfs; do
	[[ " $MATRIX " == *" $distro "* ]] || continue
	rel=()
	[[ -n ${REL[$distro]:-} ]] && rel=(-r "${REL[$distro]}")
	step "two kernels $distro: mkdriverdisk -k $K -k $K2" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -k "$K2" \
		-d "$distro" "${rel[@]}" --archive "$T/img/two-$distro"
	medium=${MEDIA[$distro]%% *}
	dir=$T/rb/two-$distro
	top=
	[[ $distro == initramfs ]] && top=lib
	check "two kernels $distro: read back" read_back "$T/img/two-$distro" "$medium" "$dir" $top
	check "two kernels $distro: dkms_tiny for $K and $K2, each with its vermagic" modules_for "$dir" dkms_tiny "$K" "$K2"
	for k in "$K" "$K2"; do
		check "two kernels $distro: checkdisk -k $k lists dkms_tiny" checkdisk_ok "$T/img/two-$distro" "$distro" dkms_tiny "$k"
	done
done
check "two kernels: $K2 built by mkdriverdisk" test -f "$T/tree/dkms_tiny/1.0/$K2/$ARCH/module/dkms_tiny.ko"
# three -k and one -a: the arch applies to every kernel
K3=6.1.0-98-amd64
second_kernel "$K3"
step "three kernels, -a $ARCH: mkdriverdisk -d redhat" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -k "$K2" -k "$K3" -a "$ARCH" \
	-d redhat --archive "$T/img/three.iso"
check "three kernels: read back" read_back "$T/img/three.iso" iso "$T/rb/three"
check "three kernels: dkms_tiny for $K, $K2 and $K3" modules_for "$T/rb/three" dkms_tiny "$K" "$K2" "$K3"
check "three kernels: checkdisk -k $K3 lists dkms_tiny" checkdisk_ok "$T/img/three.iso" redhat dkms_tiny "$K3"
# SUSE on an ISO for the three kernels (two dists, one a symlink): every
# kernel's install/<kernel>/ stays within ISO 9660's 8 directory levels
# (deeper, same-named directories of each kernel crashed libarchive's Rock
# Ridge relocation: exit 139, temp files left beside the image and in TMPDIR)
rm -rf "$T/img/suse3" && mkdir -p "$T/img/suse3"
step "three kernels, suse iso: mkdriverdisk -d suse -r sles15,sled15 --media iso" 0 mkdriverdisk dkms_tiny/1.0 \
	-k "$K" -k "$K2" -k "$K3" -d suse -r sles15,sled15 --media iso --archive "$T/img/suse3/three-suse.iso"
check "three kernels, suse iso: read back (isoinfo, xorriso)" read_back "$T/img/suse3/three-suse.iso" iso "$T/rb/three-suse"
check "three kernels, suse iso: dkms_tiny for $K, $K2 and $K3" modules_for "$T/rb/three-suse" dkms_tiny "$K" "$K2" "$K3"
for k in "$K" "$K2" "$K3"; do
	check "three kernels, suse iso: install/$k/dkms_tiny.ko" \
		test -f "$T/rb/three-suse/linux/suse/$ARCH-sles15/install/$k/dkms_tiny.ko"
	check "three kernels, suse iso: checkdisk -k $k lists dkms_tiny" checkdisk_ok "$T/img/suse3/three-suse.iso" suse dkms_tiny "$k"
done
check "three kernels, suse iso: sled15 is a link to sles15 (Rock Ridge)" \
	test "$(readlink "$T/rb/three-suse/linux/suse/$ARCH-sled15")" = "$ARCH-sles15"
check "three kernels, suse iso: nothing deeper than linux/suse/<arch>-<dist>/install/<kernel>/<file>" \
	test -z "$(cd "$T/rb/three-suse" && find . -mindepth 7)"
check "three kernels, suse iso: only the image beside it, no work dir in TMPDIR" \
	test "$(ls -A "$T/img/suse3")" = three-suse.iso -a -z "$(ls -A "$TMPDIR")"

# --- bad requests: one line, exit code, nothing left -------------------------
# fails NAME RC ERRLINE ARGS...: dkms exits RC, prints exactly ERRLINE as the error.
fails() {
	local name=$1 want=$2 line=$3
	shift 3
	rm -rf "$T/img/bad" && mkdir -p "$T/img/bad"
	step "$name: exit $want" "$want" "$@"
	printf '\nError! %s\n' "$line" >"$T/err.want"
	expect_same "$name: error line" "$T/err.want" "$T/err"
	check "$name: no image left" test -z "$(ls -A "$T/img/bad")"
}
TINY=(mkdriverdisk dkms_tiny/1.0 -k "$K" --archive "$T/img/bad/")
fails "unknown distro" 1 "Unknown driver disk distro: slackware (known: $(echo $DISTROS | sed 's/ /, /g'))" "${TINY[@]}" -d slackware
fails "no distro" 1 "mkdriverdisk needs a distro: -d <distro> (known: $(echo $DISTROS | sed 's/ /, /g'))." "${TINY[@]}"
fails "suse without -r" 1 "The suse driver disk needs the release it is for: -r <release> (e.g. -r sles15)." "${TINY[@]}" -d suse
fails "unknown medium" 1 "Unknown driver disk medium: dvd (known: iso, floppy, tar, cpio, squashfs)" "${TINY[@]}" -d redhat --media dvd
fails "medium the format cannot use" 1 "The ubuntu driver disk cannot be written as cpio (it can: ${MEDIA[ubuntu]// /, })." \
	"${TINY[@]}" -d ubuntu -r jammy --media cpio
fails "unknown compression" 1 "Unknown compression: lz4 (known: gzip, xz, zstd, none)" "${TINY[@]}" -d suse -r sles15 --compress lz4
fails "compression on an iso" 1 "--compress applies to cpio and tar images, not to iso." "${TINY[@]}" -d redhat --compress xz
fails "--size on an iso" 1 "--size applies to floppy images only, not to iso." "${TINY[@]}" -d redhat --size 2880
fails "--size not a number" 1 "Invalid --size: \"1.44M\" (a FAT floppy image is 32 to 2096128 KiB)." "${TINY[@]}" -d redhat2 --size 1.44M
fails "--archive in a missing directory" 1 "The directory $T/nowhere for the driver disk $T/nowhere/x.iso does not exist." \
	mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat --archive "$T/nowhere/x.iso"
fails "not added" 3 "The module/version combo: nosuch/1.0 is not located in the DKMS tree." \
	mkdriverdisk nosuch/1.0 -k "$K" -d redhat --archive "$T/img/bad/"

NOK=6.1.0-0-noheaders
mkdir -p "$T/inst/$NOK"
fails "kernel without headers" 21 "Your kernel headers for kernel $NOK cannot be found at $T/inst/$NOK/build or $T/inst/$NOK/source.
Please install your distribution's kernel headers package matching $NOK, or use the --kernelsourcedir option to tell DKMS where it's located." \
	mkdriverdisk dkms_tiny/1.0 -k "$K" -k "$NOK" -d redhat --archive "$T/img/bad/"
check "kernel without headers: nothing built for it" test ! -e "$T/tree/dkms_tiny/1.0/$NOK"

# a floppy too small for megaraid_sas's disk (about 200 KiB), then the size it names
mv=$(ls "$T/tree/megaraid_sas" 2>/dev/null | head -n1)
if [[ -n $mv ]]; then
	rm -rf "$T/img/bad" && mkdir -p "$T/img/bad"
	step "floppy --size 64: too small, exit 6" 6 mkdriverdisk "megaraid_sas/$mv" -k "$K" -d redhat --media floppy \
		--size 64 --archive "$T/img/bad/small.img"
	check "floppy too small: one error line naming the size needed" \
		grep -qE '^Error! The driver disk does not fit in a 64 KiB floppy image: it needs --size [0-9]+ or more\.$' "$T/err"
	check "floppy too small: no image left" test -z "$(ls -A "$T/img/bad")"
	need=$(sed -n 's/.*it needs --size \([0-9]*\) or more\./\1/p' "$T/err")
	step "floppy --size ${need:-?} (the size it named): made" 0 mkdriverdisk "megaraid_sas/$mv" -k "$K" -d redhat \
		--media floppy --size "${need:-0}" --archive "$T/img/bad/fits.img"
	check "floppy --size ${need:-?}: read back, ${need:-?} KiB" read_back "$T/img/bad/fits.img" floppy "$T/rb/fits" "${need:-0}"
else
	skip "floppy too small" "megaraid_sas not in DRIVERDISK_DRIVERS"
fi
fails "--size below FAT's 32 KiB" 1 "Invalid --size: \"16\" (a FAT floppy image is 32 to 2096128 KiB)." "${TINY[@]}" -d redhat2 --size 16

# a full file system for the image, then for the work directory ($TMPDIR)
if [[ $(id -u) == 0 ]] && unshare -m --propagation private true 2>/dev/null; then
	full() {
		unshare -m --propagation private bash -c '
			dir=$1; shift
			mkdir -p "$dir" && mount -t tmpfs -o size=96k tmpfs "$dir" || exit 99
			head -c 60k /dev/zero >"$dir/filler"
			"$@"; rc=$?
			ls -A "$dir" >"$dir.left"; exit $rc' _ "$@"
	}
	mkdir -p "$T/full"
	full "$T/full" "$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" \
		mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat --archive "$T/full/x.iso" >"$T/out" 2>"$T/err"
	rc=$?
	[[ $rc == 6 ]] && ok "full file system for the image: exit 6" || { not_ok "full file system: exit $rc, want 6"; diag <"$T/err"; }
	check "full file system: the error says so" grep -q '^Error! Could not write the driver disk .*: No space left on device' "$T/err"
	check "full file system: nothing left but the filler" test "$(cat "$T/full.left")" = filler
	rm -rf "$T/img/bad" && mkdir -p "$T/img/bad"
	TMPDIR=$T/full full "$T/full" "$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" \
		mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat --archive "$T/img/bad/y.iso" >"$T/out" 2>"$T/err"
	rc=$?
	((rc != 0)) && ok "full TMPDIR: fails (exit $rc)" || not_ok "full TMPDIR: exit 0"
	check "full TMPDIR: an error line" grep -q '^Error! ' "$T/err"
	check "full TMPDIR: no image, no work dir left" test -z "$(ls -A "$T/img/bad")" -a "$(cat "$T/full.left")" = filler
else
	skip "full file system" "no private mount namespace (unshare -m)"
fi

echo "1..$_tap_n"
