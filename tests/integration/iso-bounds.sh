#!/bin/bash
# ISO 9660 directory extents are checked against the image before libarchive
# reads it (mkdisk/medium-iso-bounds.c): libarchive allocates a whole
# directory's claimed size first, so a 26 KB image claiming a 4 GB root made
# it malloc 4 GB (found by fuzz-iso). A real image made by xorriso, patched
# by hand: its root or a subdirectory claims 4 GB, 17 MiB, or lies past the
# image's end; a logical block size of 4096. Each is refused by checkdisk with
# exit 2 and a one-line error naming the record and the numbers, under a
# 256 MB address-space limit (so no large allocation is tried), and nothing is
# left in TMPDIR. The untouched image still reads.
. "$(dirname "$0")/../lib.sh"

if ! command -v xorriso >/dev/null || [[ ! -x $DKMS_BIN ]]; then
	echo "1..0 # SKIP needs xorriso and $DKMS_BIN"
	exit 0
fi
mkdir -p "$T/src/sub/deeper" "$T/tmp"
echo hello >"$T/src/sub/deeper/file"
echo x >"$T/src/top"
xorriso -as mkisofs -quiet -R -J -V OEMDRV -o "$T/good.iso" "$T/src" 2>/dev/null ||
	{ echo "1..0 # SKIP xorriso could not make an image"; exit 0; }

# le32 FILE OFFSET VALUE: write VALUE as little-endian 32 bits (both-endian
# ISO fields: the big-endian half follows, libarchive reads the little one).
le32() {
	printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($3 & 255)) $(($3 >> 8 & 255)) $(($3 >> 16 & 255)) $(($3 >> 24 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
le16() {
	printf "$(printf '\\x%02x\\x%02x' $(($3 & 255)) $(($3 >> 8 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
PVD=$((16 * 2048))
SIZE=$(stat -c %s "$T/good.iso")

# the directory record of sub/ inside the primary root directory
root_lba=$(od -An -tu4 -j $((PVD + 156 + 2)) -N4 "$T/good.iso" | tr -d ' ')
sub_rec=$(python3 - "$T/good.iso" "$root_lba" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read()
base = int(sys.argv[2]) * 2048
off = 0
while off < 2048:
    n = d[base + off]
    if n == 0:
        break
    name = d[base + off + 33: base + off + 33 + d[base + off + 32]]
    if name.upper().startswith(b'SUB') and d[base + off + 25] & 2:
        print(base + off)
        break
    off += n
PY
)
[[ -n $sub_rec ]] || { echo "1..0 # SKIP no sub/ record found in xorriso's image"; exit 0; }

# ASan reserves terabytes of address space: the limit only fits a plain build
vlimit=262144
ldd "$DKMS_BIN" 2>/dev/null | grep -q libasan && vlimit=unlimited

# refused NAME IMG PATTERN: exit 2, "Error! Could not read IMG: ...PATTERN", TMPDIR empty after.
refused() {
	(ulimit -v $vlimit; TMPDIR=$T/tmp "$DKMS_BIN" checkdisk "$2" >"$T/out" 2>"$T/err")
	rc=$?
	if [[ $rc == 2 ]] && grep -qE "^Error! Could not read .*$3" "$T/err" && [[ $(grep -c . "$T/err") == 1 ]]; then
		ok "$1: refused with one line"
	else
		not_ok "$1: refused (exit $rc, want 2 and one error line matching /$3/)"
		cat "$T/out" "$T/err" | diag
	fi
	check "$1: nothing left in TMPDIR" bash -c "[[ -z \$(ls -A '$T/tmp') ]]"
}

cp "$T/good.iso" "$T/root4g.iso" && le32 "$T/root4g.iso" $((PVD + 156 + 10)) 4278126592
refused "root claiming 4 GB" "$T/root4g.iso" "primary root at block $root_lba claims a 4278126592-byte directory"

cp "$T/good.iso" "$T/sub17m.iso" && le32 "$T/sub17m.iso" $((sub_rec + 10)) $((17 << 20))
refused "subdirectory claiming 17 MiB" "$T/sub17m.iso" "directory at block [0-9]+ claims a 17825792-byte directory"

cp "$T/good.iso" "$T/subpast.iso" && le32 "$T/subpast.iso" $((sub_rec + 2)) $((SIZE / 2048 + 10))
refused "subdirectory past the end" "$T/subpast.iso" "directory at block $((SIZE / 2048 + 10)) \(2048 bytes\) lies beyond the image's end \($SIZE bytes\)"

cp "$T/good.iso" "$T/bs4096.iso" && le16 "$T/bs4096.iso" $((PVD + 128)) 4096
refused "logical block size 4096" "$T/bs4096.iso" "logical block size 4096"

(ulimit -v $vlimit; TMPDIR=$T/tmp "$DKMS_BIN" checkdisk "$T/good.iso" >"$T/out" 2>"$T/err")
rc=$?
check "the untouched image is read (not 'Could not read', exit $rc)" bash -c "[[ $rc != 2 ]] && ! grep -q 'Could not read' '$T/err'"

echo "1..$_tap_n"
