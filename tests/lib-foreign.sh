# Debian packages of a foreign architecture for tests (sourced after lib.sh):
# kernel headers, kernel images and busybox for arm64, ppc64el, s390x, fetched
# once with `apt-get download <pkg>:<debarch>` into $CACHE/foreign/<debarch>/
# and extracted with dpkg-deb -x (never installed: the host stays amd64).
# scripts/install-deps.sh test adds the architectures to dpkg.
# Each function prints the path on stdout, or on failure a one-line reason
# (for skip) and returns 1.

FOREIGN_CACHE=${DKMS_CACHE:-$TOP/.cache}/foreign

# foreign_flavour DEBARCH: Debian's kernel flavour of that architecture.
foreign_flavour() {
	case $1 in
	arm64) echo arm64 ;;
	ppc64el) echo powerpc64le ;;
	s390x) echo s390x ;;
	armhf) echo armmp ;;
	i386) echo 686 ;;
	*) return 1 ;;
	esac
}

# foreign_kernel DEBARCH: the host's kernel ABI with that architecture's flavour
# (6.1.0-57-amd64 -> 6.1.0-57-arm64).
foreign_kernel() {
	local k fl
	k=$(headers_kernel) && [[ -n $k ]] || { echo "no amd64 kernel headers installed"; return 1; }
	fl=$(foreign_flavour "$1") || { echo "unknown Debian architecture $1"; return 1; }
	echo "${k%-amd64}-$fl"
}

# foreign_extract DEBARCH PKG: dpkg-deb -x of PKG:DEBARCH into
# $FOREIGN_CACHE/DEBARCH/<PKG>/, downloaded once; prints that directory.
# Concurrent callers (parallel test groups) serialise on a lock.
foreign_extract() {
	local debarch=$1 pkg=$2 dir=$FOREIGN_CACHE/$1 root=$FOREIGN_CACHE/$1/$2
	mkdir -p "$dir" || { echo "cannot create $dir"; return 1; }
	(
		flock 9
		[[ -e $root/.done ]] && exit 0
		deb=$(ls "$dir/${pkg}"_*_"$debarch".deb 2>/dev/null | head -1)
		if [[ -z $deb ]]; then
			tmp=$(mktemp -d "$dir/.dl.XXXXXX") || exit 1
			(cd "$tmp" && apt-get download "$pkg:$debarch" >/dev/null 2>&1)
			deb=$(ls "$tmp"/*.deb 2>/dev/null | head -1)
			[[ -n $deb ]] || { rm -rf "$tmp"; echo "apt-get download $pkg:$debarch failed (dpkg --add-architecture $debarch; apt-get update)"; exit 1; }
			mv "$deb" "$dir/" && deb=$dir/${deb##*/}
			rm -rf "$tmp"
		fi
		rm -rf "$root.tmp" && mkdir -p "$root.tmp" && dpkg-deb -x "$deb" "$root.tmp" ||
			{ echo "dpkg-deb -x $deb failed"; exit 1; }
		rm -rf "$root" && mv "$root.tmp" "$root" && touch "$root/.done"
	) 9>"$dir/.lock" || return 1
	echo "$root"
}

# foreign_headers DEBARCH: the kbuild tree of foreign_kernel DEBARCH, its
# scripts/tools links pointed at the host's linux-kbuild (arch-independent
# scripts; the host's binaries run here). Also extracts the -common package the
# flavour's headers include.
foreign_headers() {
	local ka root h kb
	ka=$(foreign_kernel "$1") || { echo "$ka"; return 1; }
	root=$(foreign_extract "$1" "linux-headers-$ka") || { echo "$root"; return 1; }
	h=$root/usr/src/linux-headers-$ka
	[[ -d $h ]] || { echo "linux-headers-$ka:$1 has no $h"; return 1; }
	if [[ ! -e $h/.host-kbuild ]]; then
		(
			flock 9
			[[ -e $h/.host-kbuild ]] && exit 0
			kb=$(readlink "$h/scripts") && kb=${kb#../../lib/} && kb=${kb%/scripts}
			[[ -n $kb ]] || { echo "$h/scripts is not a link to linux-kbuild"; exit 1; }
			rm -f "$h/scripts" "$h/tools"
			ln -s "/usr/lib/$kb/scripts" "$h/scripts" && ln -s "/usr/lib/$kb/tools" "$h/tools" &&
				touch "$h/.host-kbuild"
		) 9>"$FOREIGN_CACHE/$1/.lock" || return 1
	fi
	[[ -e $h/scripts/Makefile.build ]] ||
		{ echo "$h needs the host's linux-kbuild of the same version"; return 1; }
	echo "$h"
}

# foreign_vmlinuz DEBARCH: the kernel image of foreign_kernel DEBARCH (ppc64el
# ships boot/vmlinux-, the others boot/vmlinuz-); its modules are beside it in
# <root>/lib/modules/<kernel>/.
foreign_vmlinuz() {
	local ka root f
	ka=$(foreign_kernel "$1") || { echo "$ka"; return 1; }
	root=$(foreign_extract "$1" "linux-image-$ka") || { echo "$root"; return 1; }
	for f in "$root/boot/vmlinuz-$ka" "$root/boot/vmlinux-$ka"; do
		[[ -e $f ]] && { echo "$f"; return 0; }
	done
	echo "linux-image-$ka:$1 has no boot/vmlinu[xz]-$ka"
	return 1
}

# foreign_busybox DEBARCH: a static busybox of that architecture.
foreign_busybox() {
	local root
	root=$(foreign_extract "$1" busybox-static) || { echo "$root"; return 1; }
	[[ -x $root/bin/busybox ]] || { echo "busybox-static:$1 has no bin/busybox"; return 1; }
	echo "$root/bin/busybox"
}
