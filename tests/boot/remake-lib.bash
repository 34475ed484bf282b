# REMAKE_INITRD with the real generators on private copies; shared by
# tests/boot/remake-initrd-boot.sh and tests/bench/initrd.sh. Source it after
# tests/lib.sh and tests/boot/boot-lib.bash.
#
# API
#   remake_can_run
#       0 when everything is there (kernel headers, linux-image-K installed
#       the normal way, qemu, mkinitramfs, dracut, lsinitrd, mount
#       namespaces, the megaraid_sas source); else prints why and returns 1.
#       Sets K, VMLINUZ, MEGARAID_SRC.
#   remake_setup hostonly|default
#       Private trees under $T: the kernel's module tree hard-linked into
#       $R/lib/modules/K ($M; its index files are copies, written by depmod -b),
#       the generators' configuration in $T/sysconf (copies of
#       /etc/initramfs-tools and /etc/dracut.conf; "hostonly": MODULES=dep and
#       dracut hostonly=yes, plus sd_mod, so megaraid_sas is left out),
#       megaraid_sas/$V in $T/src with REMAKE_INITRD=yes and
#       MODULES_CONF_ALIAS_TYPE[0]=scsi_hostadapter, and for each generator g
#       (itools, dracut) $T/etc-g/framework.conf with bootdir=$T/boot-g and
#       initrd_generator=$T/gen-g.sh, which runs the generator in a mount
#       namespace where $M and $T/sysconf/modprobe.d are bound over
#       /lib/modules/K and /etc/modprobe.d. Nothing of the host changes.
#   remake_generate G IMAGE
#       run generator G (itools, dracut) for K into IMAGE, as dkms would.
#   rdk G ARGS...
#       dkms on the private trees with G's framework.conf; sets $rc, $T/out, $T/err.
#   remake_boot IMG LOG
#       boot VMLINUZ with IMG under qemu (TCG, megasas-gen2 + scsi-hd) until
#       the kernel attaches the disk ("[sda] Attached SCSI disk"), qemu ends,
#       or BOOT_LIMIT s (default 240); 0 when attached. Sets BOOT_TIME (s).
#   remake_boot_ours LOG
#       0 when the megaraid_sas that was loaded is the dkms (out-of-tree) one.

remake_can_run() {
	local p why
	K=$(headers_kernel)
	VMLINUZ=/boot/vmlinuz-$K
	[[ -n $K ]] || { echo "no kernel headers installed"; return 1; }
	why=$(boot_can_run) || { echo "$why"; return 1; }
	for p in mkinitramfs dracut lsinitrd unshare; do
		command -v "$p" >/dev/null || { echo "$p is not installed"; return 1; }
	done
	[[ -f $VMLINUZ && -d /lib/modules/$K/kernel ]] ||
		{ echo "linux-image-$K is not installed (scripts/install-deps.sh test)"; return 1; }
	unshare -m true 2>/dev/null || { echo "no mount namespaces here"; return 1; }
	MEGARAID_SRC=$("$TOP/examples/get-driver-source.sh" megaraid_sas 2>"$T/src.err") ||
		{ echo "no megaraid_sas source: $(tail -1 "$T/src.err")"; return 1; }
}

remake_setup() {
	local g
	R=$T/root
	M=$R/lib/modules/$K
	mkdir -p "$R/lib/modules" "$T"/{src,tree,etc-itools,etc-dracut,boot-itools,boot-dracut,sysconf/dracut.conf.d}
	cp -al "/lib/modules/$K" "$M"
	rm -f "$M"/modules.* "$M/build" "$M/source"
	cp "/lib/modules/$K"/modules.* "$M/"
	ln -s "/usr/src/linux-headers-$K" "$M/build"
	cp -a /etc/initramfs-tools "$T/sysconf/initramfs-tools"
	mkdir -p "$T/sysconf/initramfs-tools/hooks" "$T/sysconf/modprobe.d"
	if [[ -f /etc/dracut.conf ]]; then cp /etc/dracut.conf "$T/sysconf/dracut.conf"; else : >"$T/sysconf/dracut.conf"; fi
	if [[ $1 == hostonly ]]; then
		sed -i 's/^MODULES=.*/MODULES=dep/' "$T/sysconf/initramfs-tools/initramfs.conf"
		# the disk driver, as a host booting from a SCSI disk has it
		echo sd_mod >>"$T/sysconf/initramfs-tools/modules"
		printf 'hostonly="yes"\nhostonly_cmdline="no"\nadd_drivers+=" sd_mod "\n' >>"$T/sysconf/dracut.conf"
	fi
	V=${MEGARAID_SRC##*/megaraid_sas-}
	cp -r "$MEGARAID_SRC" "$T/src/megaraid_sas-$V"
	echo 'MODULES_CONF_ALIAS_TYPE[0]="scsi_hostadapter"' >>"$T/src/megaraid_sas-$V/dkms.conf"
	printf 'ID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n' >"$T/os-release"
	export DKMS_OS_RELEASE=$T/os-release try_sign_modules=false
	unset sign_file post_transaction

	cat >"$T/gen-itools.sh" <<-'EOF'
		#!/bin/sh
		# gen-itools.sh MODULEDIR KERNEL SYSCONFDIR IMAGE
		exec unshare -m --propagation private sh -c 'mount --bind "$1" "/lib/modules/$2" &&
			mount --bind "$3/modprobe.d" /etc/modprobe.d && exec mkinitramfs -d "$3/initramfs-tools" -o "$4" "$2"' sh "$@"
	EOF
	cat >"$T/gen-dracut.sh" <<-'EOF'
		#!/bin/sh
		# gen-dracut.sh MODULEDIR KERNEL SYSCONFDIR IMAGE
		exec unshare -m --propagation private sh -c 'mount --bind "$3/modprobe.d" /etc/modprobe.d &&
			exec dracut --force --quiet --conf "$3/dracut.conf" --confdir "$3/dracut.conf.d" --kmoddir "$1" "$4" "$2"' sh "$@"
	EOF
	chmod +x "$T/gen-itools.sh" "$T/gen-dracut.sh"
	for g in itools dracut; do
		cat >"$T/etc-$g/framework.conf" <<-EOF
			bootdir=$T/boot-$g
			initrd_sysconfdir=$T/sysconf
			initrd_generator="$T/gen-$g.sh {moduledir} {kernel} {sysconfdir} {image}"
		EOF
	done
}

remake_generate() {
	"$T/gen-$1.sh" "$M" "$K" "$T/sysconf" "$2"
}

rdk() {
	local g=$1
	shift
	DKMS_ETC_DIR=$T/etc-$g "$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$R/lib/modules" \
		"$@" >"$T/out" 2>"$T/err"
	rc=$?
}

remake_boot() {
	local img=$1 log=$2 start=$SECONDS pid
	[[ -f $T/disk.img ]] || boot_disk "$T/disk.img"
	: >"$log"
	qemu-system-x86_64 -accel tcg -m 1024 -nographic -no-reboot -kernel "$VMLINUZ" -initrd "$img" \
		-append "console=ttyS0 panic=-1 loglevel=6 root=/dev/sda rootdelay=5 rd.shell=0 rd.emergency=reboot" \
		-nic none -device megasas-gen2,id=scsi0 -drive if=none,id=d0,file="$T/disk.img",format=raw \
		-device scsi-hd,drive=d0,bus=scsi0.0 </dev/null >"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null && ((SECONDS - start < ${BOOT_LIMIT:-240})); do
		grep -q '\[sda\] Attached SCSI disk' "$log" && break
		sleep 1
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	BOOT_TIME=$((SECONDS - start))
	grep -q '\[sda\] Attached SCSI disk' "$log"
}

remake_boot_ours() {
	grep -q 'megaraid_sas: loading out-of-tree module taints kernel' "$1"
}
