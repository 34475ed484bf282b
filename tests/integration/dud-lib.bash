# Shared by driverdisk.sh and checkdisk.sh (source after tests/lib.sh): private
# trees, a second kernel, and reading driver-disk images back with tools that
# are not ours (blkid, isoinfo, xorriso, mtools, unsquashfs, cpio, tar, rpm,
# dpkg-deb). Functions print what is wrong and return 1.

K=$(headers_kernel)
ARCH=$(uname -m)
# A second kernel: a copy of $K's headers whose release says $K2, so kbuild
# makes modules with vermagic $K2 (only the release string differs).
K2=6.1.0-99-amd64

# dud_setup: trees under $T, os-release, no signing; dk runs the program there.
dud_setup() {
	mkdir -p "$T"/{src,tree,inst/"$K",etc,img}
	ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
	cat >"$T/os-release" <<-'EOF'
	PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
	NAME="Debian GNU/Linux"
	VERSION_ID="12"
	VERSION_CODENAME=bookworm
	ID=debian
	EOF
	link_kernel_modules "$K"
	export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc try_sign_modules=false
	export TMPDIR=$T/tmp
	mkdir -p "$TMPDIR"
	unset sign_file post_transaction parallel_jobs
}

# link_kernel_modules KERNEL: the installed kernel's modules (read only), for
# the initramfs fragment's module index: $T/inst/KERNEL/{kernel,modules.*}.
HAVE_KERNEL_MODULES=
link_kernel_modules() {
	local f
	[[ -d /lib/modules/$K/kernel ]] || return 0
	HAVE_KERNEL_MODULES=1
	mkdir -p "$T/inst/$1"
	for f in kernel modules.builtin modules.builtin.modinfo modules.order; do
		[[ -e /lib/modules/$K/$f ]] && ln -sfn "/lib/modules/$K/$f" "$T/inst/$1/$f"
	done
}

# second_kernel [RELEASE]: headers for RELEASE (default $K2) under $T/hdr,
# linked from the install tree.
second_kernel() {
	local k=${1:-$K2}
	local h=$T/hdr/linux-headers-$k
	mkdir -p "$T/hdr" "$T/inst/$k"
	cp -a "/usr/src/linux-headers-$K" "$h"
	ln -sfn "$(readlink -f "/usr/src/linux-headers-$K/scripts")" "$h/scripts"
	ln -sfn "$(readlink -f "/usr/src/linux-headers-$K/tools")" "$h/tools"
	sed -i "s/$K/$k/" "$h/.kernelvariables" "$h/include/generated/utsrelease.h"
	ln -s "$h" "$T/inst/$k/build"
	link_kernel_modules "$k"
}

# image_of: the path mkdriverdisk printed ("Disk image location: PATH").
image_of() { sed -n 's/^Disk image location: //p' "$T/out"; }

# decompress FILE: the bytes of FILE, decompressed by its magic.
decompress() {
	case $(od -An -tx1 -N6 "$1" | tr -d ' \n') in
	1f8b*) gzip -dc "$1" ;;
	fd377a585a00) xz -dc "$1" ;;
	28b52ffd*) zstd -qdc "$1" ;;
	*) cat "$1" ;;
	esac
}

# compression_of FILE: gzip, xz, zstd or none.
compression_of() {
	case $(od -An -tx1 -N6 "$1" | tr -d ' \n') in
	1f8b*) echo gzip ;;
	fd377a585a00) echo xz ;;
	28b52ffd*) echo zstd ;;
	*) echo none ;;
	esac
}

# blkid_is IMG KEY=VALUE...: blkid -p reports each pair.
blkid_is() {
	local img=$1 kv out
	shift
	out=$(blkid -p -o export "$img") || { echo "blkid -p does not know $img"; return 1; }
	for kv; do
		grep -qx "$kv" <<<"$out" || { echo "blkid -p: no $kv in:"; echo "$out"; return 1; }
	done
}

# joliet_label IMG: the volume id of the Joliet supplementary descriptor.
joliet_label() {
	python3 - "$1" <<-'EOF'
	import sys
	f = open(sys.argv[1], 'rb')
	for s in range(16, 64):
	    f.seek(s * 2048)
	    d = f.read(2048)
	    if d[0] == 255:
	        break
	    if d[0] == 2 and d[88:90] == b'%/' and d[90] in b'@CE':
	        print(d[40:72].decode('utf-16-be').rstrip())
	        break
	EOF
}

read_iso() {
	local img=$1 dir=$2 info
	blkid_is "$img" TYPE=iso9660 LABEL=OEMDRV || return 1
	info=$(isoinfo -d -i "$img") || { echo "isoinfo cannot read $img"; return 1; }
	grep -qx 'Volume id: OEMDRV' <<<"$info" || { echo "isoinfo: primary volume id is not OEMDRV"; echo "$info"; return 1; }
	grep -q 'Rock Ridge signatures' <<<"$info" || { echo "isoinfo: no Rock Ridge"; return 1; }
	grep -q 'Joliet with UCS level' <<<"$info" || { echo "isoinfo: no Joliet"; return 1; }
	[[ $(joliet_label "$img") == OEMDRV ]] || { echo "Joliet volume id is '$(joliet_label "$img")'"; return 1; }
	xorriso -osirrox on -indev "$img" -extract / "$dir" >/dev/null 2>&1 || { echo "xorriso cannot extract $img"; return 1; }
}

read_floppy() {
	local img=$1 dir=$2 kib=$3 size
	blkid_is "$img" TYPE=vfat LABEL=OEMDRV LABEL_FATBOOT=OEMDRV || return 1
	size=$(stat -c %s "$img")
	((size == kib * 1024)) || { echo "image is $size bytes, want $kib KiB"; return 1; }
	mdir -i "$img" -/ :: >/dev/null || { echo "mtools cannot list $img"; return 1; }
	mcopy -s -n -m -i "$img" '::*' "$dir/" || { echo "mtools cannot copy out of $img"; return 1; }
}

read_tar() {
	local img=$1 dir=$2 raw=$dir.raw
	decompress "$img" >"$raw"
	[[ $(dd if="$raw" bs=1 skip=257 count=6 2>/dev/null | od -An -c | tr -s ' ') == ' u s t a r \0' ]] ||
		{ echo "not a POSIX ustar/pax archive (magic at 257: $(dd if="$raw" bs=1 skip=257 count=8 2>/dev/null | od -An -c))"; return 1; }
	tar -tvf "$raw" >"$dir.list" || { echo "tar cannot list $img"; return 1; }
	tar -xf "$raw" -C "$dir" || { echo "tar cannot extract $img"; return 1; }
}

# cpio_order_ok LIST [TOP]: every entry's parent directory is listed before
# it, except TOP (a directory the base initrd has, maybe as a symlink: lib).
cpio_order_ok() {
	awk -v top="${2:-}" '{ n = split($0, p, "/"); path = ""; for (i = 1; i < n; i++) { path = path (i > 1 ? "/" : "") p[i]; if (path != "." && path != top && !(path in seen)) { print "parent " path " of " $0 " comes later or never"; bad = 1 } } seen[$0] = 1 } END { exit bad }' "$1"
}

read_cpio() {
	local img=$1 dir=$2 top=${3:-} raw=$dir.raw
	decompress "$img" >"$raw"
	[[ $(head -c 6 "$raw") == 070701 ]] || { echo "cpio magic '$(head -c 6 "$raw")', want 070701"; return 1; }
	grep -qa 'TRAILER!!!' "$raw" || { echo "no TRAILER!!!"; return 1; }
	cpio -t --quiet <"$raw" >"$dir.list" || { echo "cpio -t cannot list $img"; return 1; }
	cpio_order_ok "$dir.list" "$top" || return 1
	(cd "$dir" && cpio -idm --quiet --no-absolute-filenames <"$raw") || { echo "cpio cannot extract $img"; return 1; }
}

read_squashfs() {
	local img=$1 dir=$2
	blkid_is "$img" TYPE=squashfs || return 1
	unsquashfs -l "$img" >"$dir.list" || { echo "unsquashfs -l cannot list $img"; return 1; }
	rmdir "$dir" && unsquashfs -q -n -d "$dir" "$img" >/dev/null || { echo "unsquashfs cannot extract $img"; return 1; }
}

# read_back IMG MEDIUM DIR [FLOPPY_KIB | CPIO_TOP]: identify and unpack IMG with
# independent tools.
read_back() {
	local img=$1 medium=$2 dir=$3
	rm -rf "$dir" "$dir".*
	mkdir -p "$dir"
	case $medium in
	iso) read_iso "$img" "$dir" ;;
	floppy) read_floppy "$img" "$dir" "${4:-1440}" ;;
	tar) read_tar "$img" "$dir" ;;
	cpio) read_cpio "$img" "$dir" "${4:-}" ;;
	squashfs) read_squashfs "$img" "$dir" ;;
	*) echo "unknown medium $medium"; return 1 ;;
	esac
}

# ko_vermagic FILE: the vermagic's release of a .ko, .ko.xz, .ko.gz or .ko.zst.
ko_vermagic() {
	local f=$1 tmp=$T/ko.$$
	case $f in
	*.xz) xz -dc "$f" >"$tmp.ko" ;;
	*.gz) gzip -dc "$f" >"$tmp.ko" ;;
	*.zst) zstd -qdc "$f" >"$tmp.ko" ;;
	*) cp "$f" "$tmp.ko" ;;
	esac
	modinfo -F vermagic "$tmp.ko" | cut -d' ' -f1
	rm -f "$tmp.ko"
}
