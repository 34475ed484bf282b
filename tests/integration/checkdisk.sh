#!/bin/bash
# checkdisk: good disks pass (exit 0, "Result: OK", the drivers listed), and
# disks broken on purpose by hand, with other tools, from good ones made by
# mkdriverdisk for the tiny module, are refused with exit 1 and a
# "Problem: ..." line on stderr that says what the installer trips over:
# no rhdd3, an unversioned kernel-modules Provide (rebuilt with rpmbuild),
# RPMs in a subdirectory, no repodata, a GNU tar, a 070702 cpio, a wrong
# label (ISO relabelled with xorriso, floppy with mlabel), a kernel the disk
# does not serve, a compression its reader cannot unpack (linuxrc: gzip and
# xz; the kernel, for a cpio: not lz4 frames, xz only with CRC32). An
# unreadable image exits 2.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/dud-lib.bash"

if [[ -z $K || ! -x $DKMS_BIN ]]; then
	echo "1..0 # SKIP needs kernel headers and $DKMS_BIN"
	exit 0
fi
dud_setup
B=$T/broken
mkdir -p "$B"

# cd_run IMG ARGS...: checkdisk; sets $rc, $T/cd.out, $T/cd.err.
cd_run() {
	"$DKMS_BIN" checkdisk "$@" >"$T/cd.out" 2>"$T/cd.err"
	rc=$?
}

# refused NAME IMG PATTERN [ARGS]: exit 1, a Problem line matching PATTERN (ERE).
refused() {
	local name=$1 img=$2 pat=$3
	shift 3
	cd_run "$img" "$@"
	if [[ $rc == 1 ]] && grep -qE "^Problem: .*$pat" "$T/cd.err" && grep -q '^Result: [0-9]* problem' "$T/cd.out"; then
		ok "$name: refused"
		diag <"$T/cd.err"
	else
		not_ok "$name: refused (exit $rc, want 1 and a Problem line matching /$pat/)"
		cat "$T/cd.out" "$T/cd.err" | diag
	fi
	check "$name: every stderr line is one problem" bash -c '! grep -qv "^Problem: " "$1"' _ "$T/cd.err"
}

accepted() {
	local name=$1 img=$2
	shift 2
	cd_run "$img" "$@"
	if [[ $rc == 0 ]] && grep -qx 'Result: OK' "$T/cd.out" && grep -q '^  dkms_tiny' "$T/cd.out" && [[ ! -s $T/cd.err ]]; then
		ok "$name: accepted"
	else
		not_ok "$name: accepted (exit $rc)"
		cat "$T/cd.out" "$T/cd.err" | diag
	fi
}

# repack_iso DIR IMG [LABEL]: an ISO as ddiskit and mkdud make them.
repack_iso() {
	xorriso -as mkisofs -quiet -R -J -V "${3:-OEMDRV}" -o "$2" "$1" 2>/dev/null
}

dk add "$TOP/examples/dkms_tiny"
step "tiny: build" 0 build -k "$K" dkms_tiny/1.0
step "good redhat iso" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat --archive "$T/img/rh.iso"
step "good redhat floppy" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat --media floppy --archive "$T/img/rh.img"
step "good suse cpio" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d suse -r sles15 --archive "$T/img/suse.cpio.gz"
step "good suse tar" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d suse -r sles15 --media tar --archive "$T/img/suse.tar"

# --- good disks ----------------------------------------------------------------
accepted "redhat iso, any kernel" "$T/img/rh.iso"
check "redhat iso: report names medium and format" grep -qE '^Medium: iso9660, label "OEMDRV", Rock Ridge' "$T/cd.out"
accepted "redhat iso -k $K" "$T/img/rh.iso" -k "$K"
check "redhat iso -k: drivers listed for that kernel" grep -qx "Drivers for kernel $K ($ARCH):" "$T/cd.out"
accepted "redhat iso -k $K/$ARCH" "$T/img/rh.iso" -k "$K/$ARCH"
accepted "redhat floppy" "$T/img/rh.img" -k "$K"
check "redhat floppy: report names vfat and both labels" grep -qE '^Medium: vfat, label "OEMDRV" \(boot sector "OEMDRV"\)' "$T/cd.out"
accepted "suse cpio" "$T/img/suse.cpio.gz" -k "$K"
check "suse cpio: report names newc and gzip" grep -qE '^Medium: cpio 070701, gzip' "$T/cd.out"
accepted "suse tar" "$T/img/suse.tar" -k "$K"

# --- the redhat ISO, broken ------------------------------------------------------
rm -rf "$B/rh" && mkdir -p "$B/rh"
xorriso -osirrox on -indev "$T/img/rh.iso" -extract / "$B/rh" >/dev/null 2>&1
chmod -R u+w "$B/rh"
check "redhat: a copy repacked by xorriso is still good" repack_iso "$B/rh" "$B/copy.iso"
accepted "redhat repacked by xorriso" "$B/copy.iso" -k "$K"

cp -a "$B/rh" "$B/no-rhdd3" && rm "$B/no-rhdd3/rhdd3"
repack_iso "$B/no-rhdd3" "$B/no-rhdd3.iso"
refused "no rhdd3" "$B/no-rhdd3.iso" "rhdd3"

cp -a "$B/rh" "$B/empty-rhdd3" && : >"$B/empty-rhdd3/rhdd3"
repack_iso "$B/empty-rhdd3" "$B/empty-rhdd3.iso"
refused "empty rhdd3 (the RHEL 6 loader needs text)" "$B/empty-rhdd3.iso" "rhdd3"

cp -a "$B/rh" "$B/subdir"
mkdir "$B/subdir/rpms/$ARCH/more"
mv "$B/subdir/rpms/$ARCH"/*.rpm "$B/subdir/rpms/$ARCH/more/"
repack_iso "$B/subdir" "$B/subdir.iso"
refused "RPMs in a subdirectory of rpms/$ARCH" "$B/subdir.iso" "rpm|RPM"

cp -a "$B/rh" "$B/no-repodata" && rm -rf "$B/no-repodata/rpms/$ARCH/repodata"
repack_iso "$B/no-repodata" "$B/no-repodata.iso"
refused "no repodata (the RHEL 6 loader needs it)" "$B/no-repodata.iso" "repodata"

repack_iso "$B/rh" "$B/label.iso" DUDISK
refused "ISO labelled DUDISK" "$B/label.iso" 'label is "DUDISK"' -k "$K"
check "ISO labelled DUDISK: the exact line" grep -qx 'Problem: label is "DUDISK": anaconda only finds a driver disk by itself when it is labelled OEMDRV' "$T/cd.err"

# xorriso writes Rock Ridge always; genisoimage without -R does not
genisoimage -quiet -J -V OEMDRV -o "$B/no-rr.iso" "$B/rh" 2>/dev/null
refused "ISO without Rock Ridge" "$B/no-rr.iso" "Rock Ridge"

cp "$T/img/rh.img" "$B/label.img" && mlabel -i "$B/label.img" ::DUDISK
refused "floppy relabelled DUDISK by mlabel" "$B/label.img" 'label is "DUDISK"' -k "$K"

refused "a kernel the disk does not serve" "$T/img/rh.iso" "5\.14\.0-362\.el9\.x86_64" -k 5.14.0-362.el9.x86_64

# An RPM whose Provide has no version: dd_list never matches it.
mkdir -p "$B/rpmbuild"/{SPECS,SOURCES,BUILD,RPMS,SRPMS}
cp "$T/tree/dkms_tiny/1.0/$K/$ARCH/module/dkms_tiny.ko" "$B/rpmbuild/SOURCES/"
cat >"$B/rpmbuild/SPECS/bad.spec" <<EOF
Name: kmod-dkms_tiny
Version: 1.0
Release: 1
Summary: dkms_tiny with an unversioned kernel-modules Provide
License: GPL
BuildArch: $ARCH
Provides: kernel-modules
%description
broken on purpose
%install
mkdir -p %{buildroot}/lib/modules/$K/extra
install -m 644 %{_sourcedir}/dkms_tiny.ko %{buildroot}/lib/modules/$K/extra/
%files
/lib/modules/$K/extra/dkms_tiny.ko
EOF
if rpmbuild --define "_topdir $B/rpmbuild" --define '__strip /bin/true' --define 'debug_package %{nil}' \
	-bb "$B/rpmbuild/SPECS/bad.spec" >"$B/rpmbuild.log" 2>&1; then
	cp -a "$B/rh" "$B/unversioned"
	rm -f "$B/unversioned/rpms/$ARCH"/*.rpm
	cp "$B/rpmbuild/RPMS/$ARCH"/*.rpm "$B/unversioned/rpms/$ARCH/"
	rm -rf "$B/unversioned/rpms/$ARCH/repodata"
	createrepo_c -q "$B/unversioned/rpms/$ARCH" >/dev/null
	check "unversioned: rpm -qp shows the bare Provide" bash -c "rpm -qp --provides '$B/unversioned/rpms/$ARCH'/*.rpm 2>/dev/null | grep -qx kernel-modules"
	repack_iso "$B/unversioned" "$B/unversioned.iso"
	refused "unversioned kernel-modules Provide" "$B/unversioned.iso" "kernel-modules" -k "$K"
else
	not_ok "rpmbuild of the unversioned-Provide RPM"
	diag <"$B/rpmbuild.log"
fi

# --- the suse cpio and tar, broken ---------------------------------------------
rm -rf "$B/suse" && mkdir -p "$B/suse"
(cd "$B/suse" && gzip -dc "$T/img/suse.cpio.gz" | cpio -idm --quiet)
(cd "$B/suse" && find . | cpio -o -H crc --quiet | gzip >"$B/crc.cpio.gz")
check "070702: GNU cpio wrote the crc magic" test "$(gzip -dc "$B/crc.cpio.gz" | head -c 6)" = 070702
refused "070702 (crc) cpio" "$B/crc.cpio.gz" "070702" -k "$K"
(cd "$B/suse" && find . | cpio -o -H newc --quiet | gzip >"$B/newc.cpio.gz")
accepted "the same tree as a newc cpio by GNU cpio" "$B/newc.cpio.gz" -k "$K"

rm -rf "$B/suset" && mkdir -p "$B/suset" && tar -xf "$T/img/suse.tar" -C "$B/suset"
tar --format=gnu -cf "$B/gnu.tar" -C "$B/suset" .
check "GNU tar: magic 'ustar  ' at 257" test "$(dd if="$B/gnu.tar" bs=1 skip=257 count=7 2>/dev/null)" = "ustar  "
refused "GNU tar" "$B/gnu.tar" "GNU|gnu" -k "$K"
tar --format=posix -cf "$B/pax.tar" -C "$B/suset" .
accepted "the same tree as a pax tar" "$B/pax.tar" -k "$K"

# --- compressions: facts from the medium, judged by who unpacks the archive -----
# recompress IN OUT TOOL...: the same cpio, compressed by TOOL instead.
recompress() {
	local in=$1 out=$2
	shift 2
	decompress "$in" | "$@" >"$out"
}
# one_problem LINE: stderr is exactly that Problem line (no second wording of it).
one_problem() {
	[[ $(cat "$T/cd.err") == "Problem: $1" ]] || { echo "stderr:"; cat "$T/cd.err"; return 1; }
}
S=$T/img/suse.cpio.gz
recompress "$S" "$B/suse.cpio.zst" zstd -q
refused "suse cpio in zstd (linuxrc reads gzip and xz)" "$B/suse.cpio.zst" "compressed with zstd" -k "$K"
check "suse cpio in zstd: one problem line, said once" one_problem "compressed with zstd: linuxrc reads only gzip and xz"
check "suse cpio in zstd: the medium line names zstd" grep -qx 'Medium: cpio 070701, zstd' "$T/cd.out"
recompress "$S" "$B/suse.cpio.bz2" bzip2
refused "suse cpio in bzip2" "$B/suse.cpio.bz2" "compressed with bzip2: linuxrc reads only gzip and xz" -k "$K"
check "suse cpio in bzip2: the medium line names bzip2, not 'uncompressed'" grep -qx 'Medium: cpio 070701, bzip2' "$T/cd.out"
recompress "$S" "$B/suse-crc64.cpio.xz" xz --check=crc64
refused "suse cpio in xz with CRC64 (the kernel's XZ Embedded)" "$B/suse-crc64.cpio.xz" "xz check CRC64" -k "$K"
check "xz CRC64: the exact line" one_problem "suse-crc64.cpio.xz: xz check CRC64: the kernel's XZ Embedded accepts only CRC32 or none"
recompress "$S" "$B/suse.cpio.xz" xz --check=crc32
accepted "suse cpio in xz with CRC32" "$B/suse.cpio.xz" -k "$K"
check "suse cpio in xz: the medium line names xz" grep -qx 'Medium: cpio 070701, xz' "$T/cd.out"
rm -rf "$B/suset2" && mkdir -p "$B/suset2" && tar -xf "$T/img/suse.tar" -C "$B/suset2"
tar --format=posix -cf - -C "$B/suset2" . | zstd -q >"$B/suse.tar.zst"
refused "suse tar in zstd" "$B/suse.tar.zst" "compressed with zstd: linuxrc reads only gzip and xz" -k "$K"

# anaconda's dd.iso in a cpio, appended to the initrd: the kernel unpacks it
step "good redhat cpio (dd.iso)" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat --media cpio --archive "$T/img/rh.cpio.gz"
R=$T/img/rh.cpio.gz
recompress "$R" "$B/rh.cpio.zst" zstd -q
accepted "redhat cpio (gzip)" "$R" -k "$K"
accepted "redhat cpio in zstd (kernel 5.9+)" "$B/rh.cpio.zst" -k "$K"
check "redhat cpio in zstd: a note names CONFIG_RD_ZSTD" grep -q '^Note: compressed with zstd: appended to an initrd, it needs a kernel with CONFIG_RD_ZSTD' "$T/cd.out"
recompress "$R" "$B/rh.cpio.bz2" bzip2
accepted "redhat cpio in bzip2 (the kernel reads it)" "$B/rh.cpio.bz2" -k "$K"
recompress "$R" "$B/rh.cpio.lz4" lz4 -q
refused "redhat cpio in lz4's frame format" "$B/rh.cpio.lz4" "compressed with lz4 in the frame format: the kernel reads only legacy lz4" -k "$K"

# an initramfs fragment: the kernel's list, zstd noted, lz4 only legacy
if [[ -n $HAVE_KERNEL_MODULES ]]; then
	step "good initramfs fragment" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d initramfs --archive "$T/img/frag.cpio.gz"
	F=$T/img/frag.cpio.gz
	accepted "initramfs fragment (gzip)" "$F" -k "$K"
	for c in "bzip2" "lzma" "lz4 -l -q" "xz --check=crc32" "zstd -q"; do
		recompress "$F" "$B/frag.${c%% *}" $c
		accepted "initramfs fragment in $c" "$B/frag.${c%% *}" -k "$K"
	done
	cd_run "$B/frag.lz4" -k "$K"
	check "initramfs fragment in legacy lz4: the medium line says so" grep -qx 'Medium: cpio 070701, lz4 (legacy)' "$T/cd.out"
	recompress "$F" "$B/frag-frame.lz4" lz4 -q
	refused "initramfs fragment in lz4's frame format" "$B/frag-frame.lz4" "lz4 in the frame format" -k "$K"
	recompress "$F" "$B/frag-crc64.xz" xz --check=crc64
	refused "initramfs fragment in xz with CRC64" "$B/frag-crc64.xz" "xz check CRC64" -k "$K"
	# repacked by GNU cpio from the unpacked tree: a "lib" directory entry
	rm -rf "$B/fragtree" && mkdir -p "$B/fragtree"
	(cd "$B/fragtree" && zcat "$F" | cpio -id --quiet && find lib | cpio -o -H newc --quiet -R 0:0 | gzip >"$B/frag-libdir.cpio.gz")
	refused "initramfs fragment with a lib directory entry" "$B/frag-libdir.cpio.gz" \
		"lib: a directory entry replaces a merged-/usr initrd's lib -> usr/lib" -k "$K"
else
	skip "initramfs fragment compressions" "no /lib/modules/$K/kernel to index"
fi

# --- not a disk -------------------------------------------------------------------
cd_run "$T/nothing.iso"
[[ $rc == 2 ]] && ok "missing image: exit 2" || not_ok "missing image: exit $rc, want 2"
head -c 4096 /dev/urandom >"$B/noise.bin"
cd_run "$B/noise.bin"
[[ $rc == 2 ]] && ok "random bytes: exit 2" || not_ok "random bytes: exit $rc, want 2"
check "random bytes: one error line" grep -qx "Error! $B/noise.bin is not an image of any known kind (iso9660, vfat, squashfs, cpio, tar)." "$T/cd.err"
mkdir -p "$B/plain/docs" && echo hello >"$B/plain/docs/readme"
repack_iso "$B/plain" "$B/plain.iso"
refused "an ISO that is no driver disk" "$B/plain.iso" "not a driver disk of any known format"

echo "1..$_tap_n"
