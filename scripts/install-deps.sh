#!/bin/sh
# Install the Debian packages the build and the tests need; do nothing when all
# are present. Usage: install-deps.sh build|test|fuzz
set -eu

build_pkgs="gcc make pkg-config libkmod-dev libarchive-dev libblkid-dev libcmocka-dev
	zlib1g-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev libdeflate-dev"
test_pkgs="linux-headers-amd64 kmod patch openssl dkms bc flex bison libelf-dev
	xz-utils zstd gzip binutils cpio rsync util-linux strace
	rpm rpm2cpio createrepo-c python3-rpm xorriso genisoimage mtools dosfstools squashfs-tools
	build-essential dpkg-dev debhelper fakeroot lz4 bzip2 qemu-system-x86 busybox-static initramfs-tools dracut-core
	man-db bash-completion tmux python3 clang lld llvm gcc-aarch64-linux-gnu"
# make fuzz: clang with libFuzzer and the sanitizer runtimes (not needed by make check)
fuzz_pkgs="clang libclang-rt-dev"

case "${1:-build}" in
build) want=$build_pkgs ;;
test) want="$build_pkgs $test_pkgs" ;;
fuzz) want="$build_pkgs $fuzz_pkgs" ;;
*) echo "usage: $0 build|test|fuzz" >&2; exit 2 ;;
esac

# The kernel image of the newest installed headers (REMAKE_INITRD boot tests need
# /boot/vmlinuz-K and the /boot/initrd.img-K its installation makes), installed the
# normal way: a test machine. Empty before the headers are there.
headers_image() {
	for d in $(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V -r); do
		[ -e "$d/include" ] && { echo "linux-image-${d#/usr/src/linux-headers-}"; return; }
	done
}

install_missing() {
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0

	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing packages:$missing (run as root to install them)" >&2
		exit 1
	fi
	echo "install-deps: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y --no-install-recommends $missing >/dev/null ||
		{ apt-get update >/dev/null && apt-get install -y --no-install-recommends $missing >/dev/null; }
}

# cross-building and foreign boot tests fetch Debian arm64/ppc64el packages (apt-get download …:<arch>, tests/lib-foreign.sh)
if [ "${1:-build}" = test ] && [ "$(id -u)" = 0 ]; then
	added=
	for a in arm64 ppc64el; do
		dpkg --print-foreign-architectures | grep -qx "$a" || { dpkg --add-architecture "$a" && added=1; }
	done
	[ -z "$added" ] || apt-get update >/dev/null
fi
install_missing $want
[ "${1:-build}" = test ] && install_missing $(headers_image)
exit 0
