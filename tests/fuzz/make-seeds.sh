#!/bin/bash
# Regenerate the seed corpus tests/fuzz/corpus/<target>/ from real inputs:
# dkms.conf files of the repository (and of the corpus packages in
# $DKMS_CACHE/src when present), tarballs written by build/dkms mktarball,
# images written by the program's own writers (gen-seeds.c), cpio archives
# by GNU cpio, an RPM by rpmbuild, and hand-made hostile cases. Each seed is
# named by the SHA-1 of its content, without extension; what exists stays
# (reproducers found by fuzzing live there too). Run from anywhere after
# `make`; commit the result.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
corpus=$top/tests/fuzz/corpus
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# add TARGET FILE...: file each one under its hash
add() {
	local target=$1 f h
	shift
	mkdir -p "$corpus/$target"
	for f in "$@"; do
		[ -s "$f" ] || continue
		h=$(sha1sum <"$f" | cut -c1-40)
		cp "$f" "$corpus/$target/$h"
	done
}

# trim FILE [SKIP]: drop SKIP leading bytes and the trailing zeros (the fuzz
# targets of images zero-extend their input again)
trim() {
	python3 -c 'import sys; b=open(sys.argv[1],"rb").read()[int(sys.argv[2]):]; open(sys.argv[1],"wb").write(b.rstrip(b"\0"))' "$1" "${2:-0}"
}

# ---- dkms.conf: both evaluators
confs=(tests/fixtures/conf/* tests/fixtures/cli/*/dkms.conf examples/*/dkms.conf)
for f in "${DKMS_CACHE:-/work/main/.cache}"/src/*/dkms.conf; do [ -e "$f" ] && confs+=("$f"); done
add conf-native "${confs[@]}"
add conf-diff "${confs[@]}"

# ---- the bash evaluator's dump: first byte = jobs/files, then NUL-separated records
dump() { printf "$1" >"$T/dump"; add conf-dump "$T/dump"; }
dump '\000PACKAGE_NAME\0000\000hello\000PACKAGE_VERSION\0000\0001.0\000\000/\0000\000'
dump '\005BUILT_MODULE_NAME\0000\000a\000BUILT_MODULE_NAME\0003\000b\000\000\000/\0000\000MAKE\0000\000make\000\000/\0001\000'
dump '\001PACKAGE_NAME\000x\000bad index\000\000/\0000\000'
dump '\000/\0001\000'

# ---- tarballs: mktarball of every kind and compression, and hostile archives
K=6.1.0-57-amd64
mkdir -p "$T/tree" "$T/src" "$T/inst"
cp -r tests/fixtures/cli/hello-1.0 "$T/src/"
dk() { build/dkms --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" "$@" >/dev/null; }
dk add hello/1.0
b=$T/tree/hello/1.0/$K/x86_64
mkdir -p "$b/module" "$b/log"
echo 'not a module' >"$b/module/hello.ko"
echo 'make log' >"$b/log/make.log"
dk mktarball hello/1.0 -k "$K" --archive "$T/full.tar.gz"
dk mktarball hello/1.0 -k "$K" --binaries-only --archive "$T/bin.tar.xz"
dk mktarball hello/1.0 --source-only --archive "$T/src.tar"
dk mktarball hello/1.0 --source-only --archive "$T/src.tar.zst"
dk mktarball hello/1.0 --source-only --archive "$T/src.tar.bz2"
add tarball "$T"/*.tar*
python3 - "$T/hostile" <<'PY'
import io, os, sys, tarfile, zipfile
d = sys.argv[1]; os.makedirs(d)
def tar(name, members, fmt=tarfile.GNU_FORMAT):
    with tarfile.open(os.path.join(d, name), "w", format=fmt) as t:
        for m, data in members:
            t.addfile(m, io.BytesIO(data) if data is not None else None)
def ti(name, type=tarfile.REGTYPE, data=b"", link="", mode=0o644):
    i = tarfile.TarInfo(name); i.type = type; i.mode = mode; i.mtime = 1700000000
    if type == tarfile.REGTYPE: i.size = len(data)
    i.linkname = link
    return (i, data if type == tarfile.REGTYPE else None)
tar("dotdot", [ti("./"), ti("./../escape", data=b"x")])
tar("abs", [ti("/tmp/abs-escape", data=b"x")])
tar("symlink-out", [ti("./l", tarfile.SYMTYPE, link="../../etc"), ti("./l/passwd", data=b"x")])
tar("symlink-chain", [ti("a", tarfile.DIRTYPE, mode=0o755), ti("a/up", tarfile.SYMTYPE, link=".."),
                      ti("b", tarfile.SYMTYPE, link="a/up/a/up/.."), ti("c", tarfile.SYMTYPE, link="b/x")])
tar("hardlink-out", [ti("h", tarfile.LNKTYPE, link="/etc/passwd")])
tar("hardlink-ok", [ti("f", data=b"data"), ti("g", tarfile.LNKTYPE, link="f")])
tar("dup-types", [ti("x", data=b"1"), ti("x", tarfile.DIRTYPE, mode=0o755)])
tar("modes", [ti("d", tarfile.DIRTYPE, mode=0o000), ti("d/f", data=b"x", mode=0o7777)])
tar("device", [ti("dev", tarfile.CHRTYPE)])
tar("longname-pax", [ti("./" + "n" * 150 + "/dkms.conf", data=b'PACKAGE_NAME=x\nPACKAGE_VERSION=1\n')],
    fmt=tarfile.PAX_FORMAT)
with zipfile.ZipFile(os.path.join(d, "zip"), "w") as z:
    z.writestr("src/dkms.conf", 'PACKAGE_NAME="z"\nPACKAGE_VERSION="1"\n')
    z.writestr("../zip-escape", "x")
PY
add tarball "$T"/hostile/*
(cd "$T/src/hello-1.0" && find . | cpio -o -H newc --quiet >"$T/hello.cpio")
add tarball "$T/hello.cpio"

# ---- images by our writers: FAT, ISO, newc, initramfs fragments
gcc -O1 -std=gnu11 -D_GNU_SOURCE -I. -Idkms-core $(pkg-config --cflags blkid) \
	tests/fuzz/gen-seeds.c build/libdkms.a -lkmod -larchive -lblkid -lz -llzma -lzstd \
	-llz4 -ldeflate -lbz2 -o "$T/gen-seeds"
mkdir "$T/img"
"$T/gen-seeds" "$T/img"
for f in "$T"/img/fat-*; do trim "$f"; done
for f in "$T"/img/iso-*; do trim "$f" 32768; done
add fat "$T"/img/fat-*
add iso "$T"/img/iso-*
add newc "$T/img/newc-rich" "$T/hello.cpio"
add initrd "$T"/img/fragment-* "$T/img/newc-rich"

# ---- images by other writers: mkfs.fat + mtools (FAT12, FAT16, and FAT32, whose
# FAT puts the root past what a seed holds: its first 64 KiB only), genisoimage
# with and without Rock Ridge, xorriso
mkdir -p "$T/other/sub/deeper"
echo hello >"$T/other/README"
echo 'a long named file' >"$T/other/A Long Named File.txt"
echo x >"$T/other/sub/deeper/x.ko"
export MTOOLS_SKIP_CHECK=1
mkfs.fat -C "$T/mtools-fat12" 1440 >/dev/null
mcopy -s -i "$T/mtools-fat12" "$T/other/README" "$T/other/A Long Named File.txt" "$T/other/sub" ::/
mkfs.fat -F 16 -C "$T/mtools-fat16" 20480 >/dev/null
mcopy -s -i "$T/mtools-fat16" "$T/other/README" "$T/other/sub" ::/
mkfs.fat -F 32 -f 1 -s 1 -C "$T/mtools-fat32" 34000 >/dev/null
mcopy -s -i "$T/mtools-fat32" "$T/other/README" "$T/other/sub" ::/
truncate -s 65536 "$T/mtools-fat32"
for f in "$T"/mtools-fat*; do trim "$f"; done
add fat "$T"/mtools-fat*
genisoimage -quiet -R -J -V OEMDRV -o "$T/geniso-rr" "$T/other"
genisoimage -quiet -V OEMDRV -o "$T/geniso-plain" "$T/other"
xorriso -as mkisofs -quiet -R -J -V OEMDRV -o "$T/xorriso" "$T/other" 2>/dev/null
for f in "$T"/geniso-* "$T/xorriso"; do trim "$f" 32768; done
add iso "$T"/geniso-* "$T/xorriso"

# ---- initramfs images as the generators make them: an uncompressed early
# cpio, then compressed ones, NUL padding between
mkdir -p "$T/early/kernel/x86/microcode" "$T/main/usr/lib/modules" "$T/main/etc"
printf 'GenuineIntel.bin' >"$T/early/kernel/x86/microcode/GenuineIntel.bin"
echo 'options hello x=1' >"$T/main/etc/hello.conf"
ln -s usr/lib "$T/main/lib"
(cd "$T/early" && find . | cpio -o -H newc --quiet >"$T/early.cpio")
(cd "$T/main" && find . | cpio -o -H newc --quiet >"$T/main.cpio")
(cd "$T/main" && find . | cpio -o -H crc --quiet >"$T/main-crc.cpio")
(cd "$T/main" && find . | cpio -o -H odc --quiet >"$T/main-odc.cpio")
gzip -9n <"$T/main.cpio" >"$T/main.cpio.gz"
xz --check=crc32 <"$T/main.cpio" >"$T/main.cpio.xz"
zstd -q <"$T/main.cpio" >"$T/main.cpio.zst"
lz4 -l -q <"$T/main.cpio" >"$T/main.cpio.lz4"
bzip2 <"$T/main.cpio" >"$T/main.cpio.bz2"
for c in gz xz zst lz4 bz2; do
	{ cat "$T/early.cpio"; head -c 512 /dev/zero; cat "$T/main.cpio.$c"; } >"$T/initrd-$c"
done
add initrd "$T"/initrd-* "$T/main.cpio" "$T/main-crc.cpio" "$T/main-odc.cpio"
add newc "$T/early.cpio" "$T/main.cpio" "$T/main-crc.cpio"

# ---- RPM headers and modules.cgz
mkdir -p "$T/rpm/SPECS"
cat >"$T/rpm/SPECS/kmod-hello.spec" <<'SPEC'
Name: kmod-hello
Version: 1.0
Release: 1
Summary: seed
License: GPL
BuildArch: noarch
Provides: kernel-modules = 6.1.0
%description
A seed for the RPM header fuzz target.
%install
mkdir -p %{buildroot}/lib/modules/6.1.0/extra
echo x >%{buildroot}/lib/modules/6.1.0/extra/hello.ko
%files
/lib/modules/6.1.0/extra/hello.ko
SPEC
rpmbuild -bb --quiet --define "_topdir $T/rpm" --define '_binary_payload w9.gzdio' \
	"$T/rpm/SPECS/kmod-hello.spec" >/dev/null 2>&1
for f in "$T"/rpm/RPMS/noarch/*; do cp "$f" "$T/seed-rpm"; done
gzip -9n <"$T/main.cpio" >"$T/modules.cgz"
add rpm-header "$T/seed-rpm" "$T/modules.cgz"

du -sh "$corpus"/* | sed 's|'"$corpus"'/||'
