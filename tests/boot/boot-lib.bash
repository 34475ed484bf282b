# Boot tests: a real Debian kernel under qemu (TCG), with initramfs images
# made here. Source it after tests/lib.sh.
#
# API
#   boot_can_run
#       0 when qemu-system-x86_64, busybox (static), cpio, kmod and depmod are
#       there; otherwise prints the reason (for skip) and returns 1.
#   boot_kernel_fetch K
#       Debian's linux-image-K (apt-get download, cached in $CACHE_DIR/kernel/,
#       extracted once with dpkg-deb -x and indexed with depmod). Sets
#       BOOT_ROOT (the extracted root), BOOT_VMLINUZ, BOOT_MODDIR
#       ($BOOT_ROOT/lib/modules/K). Returns 1 with a reason on stdout when the
#       package cannot be had.
#   boot_module_closure MODULE...
#       prints the module files (paths under BOOT_MODDIR, relative to it) that
#       modprobe would load for MODULE..., softdeps included, one per line.
#   boot_base_image OUT [-x EXCLUDED]... MODULE...
#       a gzip'd newc initramfs at OUT: busybox, kmod's modprobe (and its
#       libraries), the /init below, and the modules MODULE... need (closure)
#       minus the excluded ones, with a depmod index of exactly those, and
#       modules.builtin*/modules.order of K. The layout is Debian's merged
#       /usr (lib -> usr/lib, bin -> usr/bin, sbin -> usr/sbin), so anything
#       appended must not replace "lib" with a directory.
#       BOOT_INIT_EXTRA: shell text the init runs before it reports (optional).
#   boot_disk FILE [MiB]
#       a raw disk image for the emulated controller (default 16 MiB).
#   boot_run IMG LOG [APPEND...] [-- QEMU_ARGS...]
#       boots BOOT_VMLINUZ with initrd IMG under qemu -accel tcg, 512 MiB,
#       serial console to LOG, with an emulated MegaRAID controller
#       (megasas-gen2) and a scsi-hd on $T/disk.img (made if missing) unless
#       BOOT_NO_DISK=1. APPEND words go to the kernel command line (e.g.
#       dkms.modprobe=qla2xxx). Times out after BOOT_TIMEOUT s (default 180).
#       Sets BOOT_SECONDS. Returns 0 when the init printed "DKMS-BOOT: done".
#   boot_saw LOG LINE
#       0 when LOG has the exact line LINE (carriage returns dropped).
#   boot_setup WHAT
#       sets K (the kernel with headers) and fetches its image; when any of
#       that is missing, reports "skip WHAT" with the reason and exits 0.
#   boot_build_driver DRIVER
#       private trees $T/{src,tree,inst/K,etc} holding the kernel's modules (as
#       on a system with linux-image-K), then DRIVER from linux-source added
#       and built for K with dk; sets MV. Exits 1 (not ok) on failure.
#
# The /init of boot_base_image mounts proc, sys and devtmpfs, loads modules
# as udev's coldplug would (modprobe -b of every modalias under
# /sys/bus/*/devices, repeated while devices appear: PCI first, then the
# SCSI disks the controller finds), runs `modprobe M` for each
# dkms.modprobe=M,... on the command line, then prints, each on a line of
# its own:
#   DKMS-BOOT: modprobe M ok | DKMS-BOOT: modprobe M failed
#   DKMS-BOOT: sda present | DKMS-BOOT: no sda
#   DKMS-BOOT: loaded NAME          (one per line of /proc/modules)
#   DKMS-BOOT: pci driver NAME      (one per /sys/bus/pci/drivers/NAME)
#   DKMS-BOOT: done
# and powers off.

BOOT_CACHE=${BOOT_CACHE:-$CACHE_DIR/kernel}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-180}

boot_can_run() {
	local p
	for p in qemu-system-x86_64 cpio kmod depmod dpkg-deb gzip; do
		command -v "$p" >/dev/null || { echo "$p is not installed"; return 1; }
	done
	[[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1 ||
		{ echo "no static /bin/busybox (busybox-static)"; return 1; }
	return 0
}

boot_kernel_fetch() {
	local k=$1 root=$BOOT_CACHE/linux-image-$1 deb tmp
	mkdir -p "$BOOT_CACHE"
	if [[ ! -e $root/.done ]]; then
		(
			# one extraction at a time: several test scripts share the cache
			flock 9
			[[ -e $root/.done ]] && exit 0
			deb=$(ls "$BOOT_CACHE"/linux-image-"$k"_*.deb "$BOOT_CACHE"/linux-image-"$k"-unsigned_*.deb 2>/dev/null | head -1)
			if [[ -z $deb ]]; then
				tmp=$(mktemp -d "$BOOT_CACHE/.dl.XXXXXX")
				(cd "$tmp" && apt-get download "linux-image-$k" >/dev/null 2>&1 ||
					apt-get download "linux-image-$k-unsigned" >/dev/null 2>&1)
				deb=$(ls "$tmp"/*.deb 2>/dev/null | head -1)
				[[ -n $deb ]] || { rm -rf "$tmp"; echo "apt-get download linux-image-$k failed"; exit 1; }
				mv "$deb" "$BOOT_CACHE/" && deb=$BOOT_CACHE/${deb##*/}
				rm -rf "$tmp"
			fi
			rm -rf "$root.tmp" && mkdir -p "$root.tmp" &&
				dpkg-deb -x "$deb" "$root.tmp" &&
				depmod -b "$root.tmp" "$k" || { echo "cannot extract $deb"; exit 1; }
			rm -rf "$root" && mv "$root.tmp" "$root" && touch "$root/.done"
		) 9>"$BOOT_CACHE/.lock" || return 1
	fi
	BOOT_ROOT=$root
	BOOT_VMLINUZ=$root/boot/vmlinuz-$k
	BOOT_MODDIR=$root/lib/modules/$k
	BOOT_K=$k
	[[ -f $BOOT_VMLINUZ ]] || { echo "no $BOOT_VMLINUZ"; return 1; }
}

boot_module_closure() {
	local m
	for m in "$@"; do
		modprobe -d "$BOOT_ROOT" -S "$BOOT_K" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | sed "s|^$BOOT_MODDIR/||" | awk '!seen[$0]++'
}

# _boot_copy_program SRC DEST_ROOT: a dynamically linked program and its libraries.
_boot_copy_program() {
	local src=$1 root=$2 lib
	mkdir -p "$root/usr/bin"
	cp -L "$src" "$root/usr/bin/"
	for lib in $(ldd "$src" | awk '/=>/ { print $3 } /^\t\// { print $1 }'); do
		mkdir -p "$root/usr$(dirname "${lib#/usr}")"
		cp -L "$lib" "$root/usr${lib#/usr}"
	done
}

_boot_write_init() {
	cat >"$1" <<'EOF'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "DKMS-BOOT: init started"
# coldplug as udev does: every device's modalias, until sda is there or
# nothing new has appeared for 3 s (a controller scans its disks async)
seen= quiet=0
while [ ! -e /sys/block/sda ] && [ "$quiet" -lt 3 ]; do
	all=$(cat /sys/bus/*/devices/*/modalias 2>/dev/null | sort -u)
	if [ "$all" != "$seen" ]; then
		modprobe -a -b -q $all 2>/dev/null
		seen=$all quiet=0
	else
		quiet=$((quiet + 1))
	fi
	sleep 1
done
for m in $(sed -n 's/.*dkms\.modprobe=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' '); do
	if modprobe "$m"; then echo "DKMS-BOOT: modprobe $m ok"; else echo "DKMS-BOOT: modprobe $m failed"; fi
done
[ -x /dkms-boot-extra ] && . /dkms-boot-extra
if [ -e /sys/block/sda ]; then echo "DKMS-BOOT: sda present"; else echo "DKMS-BOOT: no sda"; fi
while read -r name rest; do echo "DKMS-BOOT: loaded $name"; done </proc/modules
for d in /sys/bus/pci/drivers/*; do echo "DKMS-BOOT: pci driver ${d##*/}"; done
echo "DKMS-BOOT: done"
poweroff -f
EOF
	chmod 755 "$1"
}

boot_base_image() {
	local out=$1 root f rel m
	local -a excluded=() wanted=()
	shift
	while (($#)); do
		if [[ $1 == -x ]]; then excluded+=("$2"); shift 2; else wanted+=("$1"); shift; fi
	done
	root=$(mktemp -d "$T/base-root.XXXXXX")
	mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{proc,sys,dev,tmp,etc}
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	cp /bin/busybox "$root/usr/bin/busybox"
	for f in sh mount sleep cat sed sort tr poweroff echo ls; do ln -s busybox "$root/usr/bin/$f"; done
	_boot_copy_program "$(command -v kmod)" "$root"
	for f in modprobe insmod lsmod rmmod modinfo depmod; do ln -s ../bin/kmod "$root/usr/sbin/$f"; done
	_boot_write_init "$root/init"
	[[ -n ${BOOT_INIT_EXTRA:-} ]] && printf '%s\n' "$BOOT_INIT_EXTRA" >"$root/dkms-boot-extra" &&
		chmod 755 "$root/dkms-boot-extra"
	mkdir -p "$root/usr/lib/modules/$BOOT_K"
	while read -r rel; do
		m=${rel##*/}
		m=${m%%.ko*}
		[[ " ${excluded[*]} " == *" $m "* ]] && continue
		mkdir -p "$root/usr/lib/modules/$BOOT_K/$(dirname "$rel")"
		cp "$BOOT_MODDIR/$rel" "$root/usr/lib/modules/$BOOT_K/$rel"
	done < <(boot_module_closure "${wanted[@]}")
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		cp "$BOOT_MODDIR/$f" "$root/usr/lib/modules/$BOOT_K/"
	done
	depmod -b "$root" "$BOOT_K" || return 1
	rm -f "$root/usr/lib/modules/$BOOT_K"/modules.*map
	(cd "$root" && find . | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9 >"$out" || return 1
	rm -rf "$root"
}

boot_disk() {
	local f=$1 mib=${2:-16}
	dd if=/dev/zero of="$f" bs=1M count=0 seek="$mib" 2>/dev/null
}

boot_run() {
	local img=$1 log=$2 start
	# no_timer_check: under TCG on a loaded host the IO-APIC timer check can
	# miss ticks and panic ("IO-APIC + timer doesn't work"), seen with
	# groups running in parallel
	local -a append=(console=ttyS0 panic=-1 loglevel=4 no_timer_check) qargs=()
	shift 2
	while (($#)); do
		if [[ $1 == -- ]]; then shift; qargs=("$@"); break; fi
		append+=("$1")
		shift
	done
	if [[ ${BOOT_NO_DISK:-0} != 1 ]]; then
		[[ -f $T/disk.img ]] || boot_disk "$T/disk.img"
		qargs=(-device megasas-gen2,id=scsi0
			-drive if=none,id=d0,file="$T/disk.img",format=raw
			-device scsi-hd,drive=d0,bus=scsi0.0 "${qargs[@]}")
	fi
	start=$(date +%s.%N)
	timeout "$BOOT_TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -nographic -no-reboot \
		-kernel "$BOOT_VMLINUZ" -initrd "$img" -append "${append[*]}" \
		-nic none "${qargs[@]}" </dev/null >"$log" 2>&1
	BOOT_SECONDS=$(echo "$(date +%s.%N) - $start" | bc)
	BOOT_SECONDS=$(printf '%.1f' "$BOOT_SECONDS")
	boot_saw "$log" "DKMS-BOOT: done"
}

boot_saw() {
	tr -d '\r' <"$1" | grep -qxF -- "$2"
}

boot_setup() {
	local what=$1 why
	K=$(headers_kernel)
	if [[ -z $K ]]; then
		skip "$what" "no kernel headers installed"
		exit 0
	fi
	if ! why=$(boot_can_run); then
		skip "$what" "$why"
		exit 0
	fi
	if ! boot_kernel_fetch "$K" >"$T/fetch.msg"; then
		skip "$what" "$(cat "$T/fetch.msg")"
		exit 0
	fi
}

boot_build_driver() {
	local driver=$1 src
	mkdir -p "$T"/{src,tree,inst/"$K",etc}
	ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
	ln -s "$BOOT_MODDIR/kernel" "$T/inst/$K/kernel"
	cp "$BOOT_MODDIR"/modules.{builtin,builtin.modinfo,order} "$T/inst/$K/"
	printf 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' >"$T/os-release"
	export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc try_sign_modules=false
	unset sign_file post_transaction
	src=$("$TOP/examples/get-driver-source.sh" "$driver" 2>"$T/get.err") || {
		not_ok "$driver source from linux-source"
		diag <"$T/get.err"
		exit 1
	}
	MV=$driver/${src##*-}
	dk add "$src" && dk_build "$MV" "$K"
	if [[ $rc != 0 ]]; then
		not_ok "build $MV for $K"
		cat "$T/out" "$T/err" | tail -20 | diag
		exit 1
	fi
}
