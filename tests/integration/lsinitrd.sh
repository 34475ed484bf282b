#!/bin/bash
# dkms lsinitrd on real images: an initramfs-tools image (mkinitramfs) and a
# dracut image (dracut-core) of Debian's kernel, each holding megaraid_sas
# built by dkms in a private tree; then the same main archive behind an early
# microcode cpio in every compression the kernel reads (gzip, xz, zstd,
# legacy lz4, bzip2, lzma); images found by -k in --bootdir under both
# names; and damaged images (truncated, garbage in the middle, junk after,
# an xz CRC64 member, missing): one "Error! <image>: offset N: ..." line and
# a non-zero exit. Last, mkdriverdisk -d initramfs: its refusals (no kernel
# modules, a missing, damaged or module-less --initrd) and, with --initrd of
# a real image, an index of exactly that image's modules.
#
# The generators read /lib/modules/K: they run in a private mount namespace
# where an overlay puts Debian's linux-image-K modules (fetched into .cache)
# plus the dkms-built module there; the real /lib/modules is not touched.
# That part needs root and overlayfs; without them it is skipped.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/boot/boot-lib.bash"

K=$(headers_kernel)
if [[ -z $K ]]; then
	skip "lsinitrd" "no kernel headers installed"
	exit 0
fi

# --- a private dkms tree with megaraid_sas built for K
mkdir -p "$T"/{src,tree,inst/"$K",etc,boot}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
printf 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' >"$T/os-release"
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc try_sign_modules=false
unset sign_file post_transaction

# lsi NAME WANT_RC ARGS...: dkms ARGS, checked for its exit code
lsi() {
	local name=$1 want=$2
	shift 2
	dk "$@"
	if [[ $rc == "$want" ]]; then ok "$name"; else not_ok "$name (exit $rc, want $want)"; cat "$T/out" "$T/err" | diag; fi
}

# has NAME FILE LINE: FILE has the exact line LINE
has() {
	if grep -qxF -- "$3" "$2"; then ok "$1"; else not_ok "$1"; { echo "want: $3"; cat "$2"; } | diag; fi
}

src=$("$TOP/examples/get-driver-source.sh" megaraid_sas 2>"$T/get.err") || {
	not_ok "megaraid_sas source from linux-source"
	diag <"$T/get.err"
	exit 1
}
MV=megaraid_sas/${src##*-}
start=$SECONDS
dk add "$src" && dk_build "$MV" "$K"
if [[ $rc != 0 ]]; then
	not_ok "build $MV for $K"
	cat "$T/out" "$T/err" | tail -20 | diag
	exit 1
fi
ok "build $MV for $K"
echo "# megaraid_sas built in $((SECONDS - start)) s"
built=$T/tree/$MV/$K/$(uname -m)/module/megaraid_sas.ko

# --- real generators in a private mount namespace
have_generators=true
why=
if ! boot_kernel_fetch "$K" >"$T/fetch.msg"; then
	have_generators=false why=$(cat "$T/fetch.msg")
elif [[ $(id -u) != 0 ]] || ! unshare -m true 2>/dev/null; then
	have_generators=false why="needs root and mount namespaces"
elif [[ ! -d /lib/modules/$K ]]; then
	have_generators=false why="no /lib/modules/$K to mount over"
fi

# in_kernel_ns CMD...: run CMD where /lib/modules/K holds Debian's modules and megaraid_sas
in_kernel_ns() {
	rm -rf "$T/ovl" && mkdir -p "$T/ovl/up/updates/dkms" "$T/ovl/work" &&
		cp "$built" "$T/ovl/up/updates/dkms/" &&
		unshare -m sh -c 'mount --make-rprivate / &&
			mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/up,workdir=$2/work" "/lib/modules/$3" &&
			depmod -a "$3" && shift 3 && exec "$@"' sh "$BOOT_MODDIR" "$T/ovl" "$K" "$@"
}

images=()
if $have_generators; then
	mkdir -p "$T/itconf"
	cp -r /etc/initramfs-tools/. "$T/itconf/"
	sed -i 's/^MODULES=.*/MODULES=list/; s/^COMPRESS=.*/COMPRESS=zstd/' "$T/itconf/initramfs.conf"
	printf 'megaraid_sas\nsd_mod\n' >"$T/itconf/modules"
	start=$SECONDS
	if in_kernel_ns mkinitramfs -d "$T/itconf" -o "$T/itools.img" "$K" >"$T/gen.log" 2>&1; then
		ok "mkinitramfs makes an image of $K"
		images+=(itools)
		echo "# mkinitramfs: $((SECONDS - start)) s"
	else
		not_ok "mkinitramfs makes an image of $K"
		tail -20 "$T/gen.log" | diag
	fi
	start=$SECONDS
	if in_kernel_ns dracut -q --force --no-hostonly --no-hostonly-cmdline -m base \
		--add-drivers "megaraid_sas sd_mod" --compress zstd --kver "$K" "$T/dracut.img" \
		>"$T/gen.log" 2>&1; then
		ok "dracut makes an image of $K"
		images+=(dracut)
		echo "# dracut: $((SECONDS - start)) s"
	else
		not_ok "dracut makes an image of $K"
		tail -20 "$T/gen.log" | diag
	fi
else
	skip "mkinitramfs and dracut images" "$why"
fi

# segment_is NAME FILE INDEX OFFSET SIZE COMPRESSION [ENTRIES]: a row of the segment table
segment_is() {
	if awk -v i="$3" -v o="$4" -v s="$5" -v c="$6" -v e="${7:-}" \
		'$1 == i && $2 == o && $3 == s && $4 == c && (e == "" || $5 == e) { f = 1 } END { exit !f }' "$2"; then
		ok "$1"
	else
		not_ok "$1"
		{ echo "want: $3 $4 $5 $6 ${7:-}"; head -6 "$2"; } | diag
	fi
}

# the listing's Modules section
modules_of() { sed -n '/^Modules for /,/^Files: /p' "$1" | grep -v '^Files: '; }

for img in "${images[@]}"; do
	lsi "$img: lsinitrd IMAGE" 0 lsinitrd "$T/$img.img"
	cp "$T/out" "$T/$img.list"
	segment_is "$img: one zstd member, the whole image" "$T/$img.list" 0 0 "$(stat -c %s "$T/$img.img")" zstd
	has "$img: one segment" "$T/$img.list" "Image $T/$img.img: $(stat -c %s "$T/$img.img") bytes, 1 segment"
	has "$img: megaraid_sas is the dkms build" "$T/$img.list" "  megaraid_sas (dkms: $MV)"
	has "$img: sd_mod is the kernel's" "$T/$img.list" "  sd_mod"
	has "$img: scsi_mod is the kernel's" "$T/$img.list" "  scsi_mod"
	lsi "$img: --verbose" 0 lsinitrd "$T/$img.img" --verbose
	if grep -qE "^  -rw-r--r-- +$(stat -c %s "$built") usr/lib/modules/$K/updates/dkms/megaraid_sas.ko$" "$T/out"; then
		ok "$img: --verbose lists the module file"
	else
		not_ok "$img: --verbose lists the module file"
		grep megaraid "$T/out" | diag
	fi
	modules_of "$T/$img.list" >"$T/$img.modules"
done

# --- an early microcode cpio, then the main archive in each compression
mkdir -p "$T/early/kernel/x86/microcode"
printf 'not really microcode' >"$T/early/kernel/x86/microcode/GenuineIntel.bin"
(cd "$T/early" && find kernel | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$T/early.cpio"
early_size=$(stat -c %s "$T/early.cpio")
# GNU cpio pads the archive to 512 bytes: the member ends with its trailer entry
trailer=$(grep -obUa 'TRAILER!!!' "$T/early.cpio" | cut -d: -f1)
early_end=$(((trailer + 11 + 3) / 4 * 4))
if ((${#images[@]})); then
	zstd -qdc "$T/${images[0]}.img" >"$T/main.cpio"
	reference=$T/${images[0]}.modules
else
	# no generator here: a busybox-style image of our own
	mkdir -p "$T/main/usr/lib/modules/$K/updates/dkms"
	cp "$built" "$T/main/usr/lib/modules/$K/updates/dkms/"
	ln -s usr/lib "$T/main/lib"
	(cd "$T/main" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$T/main.cpio"
	printf 'Modules for %s: 1\n  megaraid_sas (dkms: %s)\n' "$K" "$MV" >"$T/own.modules"
	reference=$T/own.modules
fi
declare -A tool=([gzip]="gzip -9" [xz]="xz --check=crc32" [zstd]="zstd -q" [lz4]="lz4 -l -q"
	[bzip2]="bzip2" [lzma]="lzma")
for c in gzip xz zstd lz4 bzip2 lzma; do
	img=$T/early-$c.img
	{ cat "$T/early.cpio"; ${tool[$c]} -c <"$T/main.cpio"; } >"$img"
	lsi "early + $c: lsinitrd" 0 lsinitrd "$img" --verbose
	segment_is "early + $c: segment 0 is the early cpio up to its trailer (4 entries)" "$T/out" \
		0 0 "$early_end" none 4
	segment_is "early + $c: segment 1 is $c, after the early cpio's NUL padding" "$T/out" \
		1 "$early_size" "$(($(stat -c %s "$img") - early_size))" "$c"
	has "early + $c: the microcode file" "$T/out" \
		"$(printf '  -rw-r--r-- %10d kernel/x86/microcode/GenuineIntel.bin' 20)"
	modules_of "$T/out" >"$T/got.modules"
	expect_same "early + $c: the same modules as the original" "$reference" "$T/got.modules"
done

# --- found by kernel version in --bootdir, under both names
cp "$T/early-zstd.img" "$T/boot/initrd.img-$K"
lsi "-k K finds initrd.img-K" 0 --bootdir "$T/boot" lsinitrd -k "$K"
has "-k K lists the image it found" "$T/out" \
	"Image $T/boot/initrd.img-$K: $(stat -c %s "$T/boot/initrd.img-$K") bytes, 2 segments"
mv "$T/boot/initrd.img-$K" "$T/boot/initramfs-$K.img"
lsi "-k K finds initramfs-K.img (dracut's name)" 0 --bootdir "$T/boot" lsinitrd -k "$K"
lsi "-k with no initrd: exit 2" 2 --bootdir "$T/boot" lsinitrd -k 9.9.9-none
has "-k with no initrd: says where it looked" "$T/err" \
	"Error! No initrd for kernel 9.9.9-none: neither $T/boot/initrd.img-9.9.9-none nor $T/boot/initramfs-9.9.9-none.img exists."

# --- damaged images
img=$T/early-xz.img
size=$(stat -c %s "$img")
head -c $((size / 2)) "$img" >"$T/truncated.img"
lsi "truncated: exit 1" 1 lsinitrd "$T/truncated.img"
has "truncated: names the file, offset and member" "$T/err" \
	"Error! $T/truncated.img: offset $((size / 2)): xz data ends before the end of its stream (truncated) (in the xz member at offset $early_size)"
[[ ! -s $T/out ]] && ok "truncated: no listing" || not_ok "truncated: no listing"

cp "$T/early-gzip.img" "$T/garbage.img"
gsize=$(stat -c %s "$T/garbage.img")
printf 'GARBAGE IN THE MIDDLE OF IT' | dd of="$T/garbage.img" bs=1 seek=$((gsize / 2)) conv=notrunc 2>/dev/null
lsi "garbage in the middle: exit 1" 1 lsinitrd "$T/garbage.img"
if grep -qE "^Error! $T/garbage.img: offset [0-9]+: gzip data is damaged .*\(in the gzip member at offset $early_size\)$" "$T/err"; then
	ok "garbage in the middle: names the file, offset and member"
else
	not_ok "garbage in the middle: names the file, offset and member"
	diag <"$T/err"
fi

{ cat "$T/early-zstd.img"; printf 'JUNK'; } >"$T/junk.img"
lsi "junk after the members: exit 1" 1 lsinitrd "$T/junk.img"
has "junk after the members: its offset" "$T/err" \
	"Error! $T/junk.img: offset $(stat -c %s "$T/early-zstd.img"): junk: neither a cpio archive nor a known compression"

{ cat "$T/early.cpio"; xz -c <"$T/main.cpio"; } >"$T/crc64.img"
lsi "xz with CRC64: exit 1" 1 lsinitrd "$T/crc64.img"
has "xz with CRC64: says the kernel cannot read it" "$T/err" \
	"offset $early_size: xz stream uses a CRC64 check; the kernel reads only CRC32 or none (xz --check=crc32)"

lsi "missing image: exit 2" 2 lsinitrd "$T/none.img"
has "missing image: says so" "$T/err" "Error! $T/none.img: no such file"

# --- mkdriverdisk -d initramfs: what its index is made of, and its refusals
# (exit 6, one Error! line naming the file, nothing at the output path)
frag_fails() {
	local name=$1 want=$2
	shift 2
	rm -f "$T/frag.out"
	dk mkdriverdisk "$MV" -k "$K" -d initramfs --archive "$T/frag.out" "$@"
	if [[ $rc == 6 ]] && grep -qxF -- "$want" "$T/err" && [[ ! -e $T/frag.out ]]; then
		ok "$name"
	else
		not_ok "$name (exit $rc)"
		{ echo "want: $want"; cat "$T/err"; ls "$T"; } | diag
	fi
}
frag_fails "fragment without the kernel's modules installed" \
	"Error! The modules of kernel $K are not installed (no $T/inst/$K/kernel): the fragment's index must cover them. Install the kernel's modules, or name the initrd the fragment is for with --initrd."
frag_fails "fragment --initrd missing" \
	"Error! Cannot read the base initrd $T/none.img: cannot read: No such file or directory" --initrd "$T/none.img"
frag_fails "fragment --initrd truncated" \
	"Error! Cannot read the base initrd $T/truncated.img: offset $((size / 2)): xz data ends before the end of its stream (truncated) (in the xz member at offset $early_size)" \
	--initrd "$T/truncated.img"
frag_fails "fragment --initrd without modules of the kernel" \
	"Error! The base initrd $T/early.cpio holds no modules for kernel $K (nothing under lib/modules/$K/)." \
	--initrd "$T/early.cpio"

# --initrd of a real image: the index lists exactly its modules (and the dkms one once)
base=$T/early-zstd.img
dk mkdriverdisk "$MV" -k "$K" -d initramfs --initrd "$base" --archive "$T/frag.cpio.gz"
if [[ $rc == 0 ]]; then ok "fragment --initrd <image>"; else not_ok "fragment --initrd <image> (exit $rc)"; cat "$T/err" | diag; fi
mkdir -p "$T/frag" "$T/base"
(cd "$T/frag" && gzip -dc "$T/frag.cpio.gz" | cpio --quiet -id)
(cd "$T/base" && cpio --quiet -id <"$T/main.cpio")
(cd "$T/base/usr/lib/modules/$K" && find . -name '*.ko*' | sed 's|^\./||' | sort) >"$T/want.mods"
cut -d: -f1 "$T/frag/lib/modules/$K/modules.dep" | sort >"$T/got.mods"
expect_same "fragment --initrd <image>: modules.dep lists exactly the image's modules" "$T/want.mods" "$T/got.mods"
if [[ -d $T/frag/lib/modules/$K ]] && [[ ! -e $T/frag/lib/modules/$K/kernel ]] &&
	cmp -s "$built" "$T/frag/lib/modules/$K/updates/dkms/megaraid_sas.ko"; then
	ok "the fragment holds the built module and no module of the base"
else
	not_ok "the fragment holds the built module and no module of the base"
	(cd "$T/frag" && find . | diag)
fi
dk lsinitrd "$T/frag.cpio.gz" --verbose
if ! grep -qE ' lib$' "$T/out" && grep -qE '^  drwxr-xr-x +0 lib/modules$' "$T/out"; then
	ok "the fragment has no lib entry (a merged-/usr image keeps lib -> usr/lib)"
else
	not_ok "the fragment has no lib entry (a merged-/usr image keeps lib -> usr/lib)"
	diag <"$T/out"
fi

# --- a base made by hand, without the kernel's modules.builtin (a PXE image)
rm -rf "$T/nobuiltin" && cp -a "$T/base" "$T/nobuiltin"
find "$T/nobuiltin" -name 'modules.builtin*' -delete
(cd "$T/nobuiltin" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -c >"$T/nobuiltin.img"
dk mkdriverdisk "$MV" -k "$K" -d initramfs --initrd "$T/nobuiltin.img" --archive "$T/frag-nb.cpio.gz"
if [[ $rc == 0 ]]; then ok "fragment --initrd <base without modules.builtin>"; else
	not_ok "fragment --initrd <base without modules.builtin> (exit $rc)"; diag <"$T/err"; fi
rm -rf "$T/frag-nb" && mkdir -p "$T/frag-nb"
(cd "$T/frag-nb" && gzip -dc "$T/frag-nb.cpio.gz" | cpio --quiet -id 2>/dev/null)
want_builtin=/dev/null
[[ -f $T/inst/$K/modules.builtin ]] && want_builtin=$T/inst/$K/modules.builtin
if cmp -s "$want_builtin" "$T/frag-nb/lib/modules/$K/modules.builtin" &&
	[[ -s $T/frag-nb/lib/modules/$K/modules.builtin.bin ]]; then
	ok "that fragment carries modules.builtin (the kernel's, else empty) and its .bin for modprobe"
else
	not_ok "that fragment carries modules.builtin (the kernel's, else empty) and its .bin for modprobe"
	(cd "$T/frag-nb" && find . | diag)
fi

# --- a stale copy: the image holds megaraid_sas from an earlier build of the package
if ((${#images[@]})); then
	printf '\0' >>"$built" # the tree's build changes (a rebuild); the image keeps the old one
	lsi "a rebuilt module: lsinitrd" 0 lsinitrd "$T/${images[0]}.img"
	has "a rebuilt module: the image's copy differs from the built one" "$T/out" \
		"  megaraid_sas (dkms: $MV, differs from the built module)"
fi
