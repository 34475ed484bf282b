#!/bin/bash
# REMAKE_INITRD with the real generators, boot-verified. Debian's kernel
# (linux-image-K, installed the normal way: scripts/install-deps.sh test)
# boots under qemu (TCG) with an emulated MegaRAID controller (megasas-gen2)
# and a scsi-hd, from initrds made here by initramfs-tools (mkinitramfs) and
# by dracut for that kernel.
#
# Everything runs on private copies: the kernel's module tree is hard-linked
# into $T/root/lib/modules/K (own index files), the generators' configuration
# is $T/sysconf (initramfs-tools with MODULES=dep, dracut with hostonly=yes:
# host-only images, which leave megaraid_sas out on this machine), and the
# generators run in a private mount namespace where $T's tree and modprobe.d
# are bound over /lib/modules/K and /etc/modprobe.d; images go to
# $T/boot-<generator> (bootdir=). Nothing of the host changes.
#
# megaraid_sas (Debian's linux-source, as the classic megaraid2 dkms.conf:
# REMAKE_INITRD=yes, MODULES_CONF_ALIAS_TYPE[0]=scsi_hostadapter), for each
# generator:
#   regenerate: the new image holds the dkms module, is made to load it
#     (initramfs-tools conf/modules, dracut rd.driver.pre) with the alias
#     from modprobe.d, boots, and the kernel finds the disk through the
#     out-of-tree module; uninstall regenerates an image without megaraid_sas
#     and takes the configuration away.
#   fragment: the host-only image plus the fragment boots and finds the disk;
#     uninstall gives back the original bytes.
#   auto: picks the fragment for these images (same bytes as fragment mode).
# Generator and boot times go to TAP comments.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/boot-lib.bash"
. "$(dirname "$0")/remake-lib.bash"

if ! remake_can_run >"$T/why"; then
	skip "REMAKE_INITRD with initramfs-tools and dracut, booted" "$(cat "$T/why")"
	exit 0
fi
remake_setup hostonly
v=$V

step() {
	local name=$1 want=$2
	shift 2
	rdk "$@"
	if [[ $rc == "$want" ]]; then ok "$name"; else not_ok "$name (exit $rc, want $want)"; cat "$T/out" "$T/err" | tail -n 30 | diag; fi
}
listing() { "$DKMS_BIN" lsinitrd --verbose "$1" | awk '{print $NF}'; }
has_megaraid() { listing "$1" | grep -q '/megaraid_sas\.ko'; }

# booted NAME IMG: the image boots and the dkms megaraid_sas finds the disk.
booted() {
	local log=$T/boot-$RANDOM.log
	if remake_boot "$2" "$log"; then
		ok "$1: boots and the kernel finds the disk (${BOOT_TIME}s)"
	else
		not_ok "$1: boots and the kernel finds the disk (${BOOT_TIME}s)"
		tr -d '\r' <"$log" | tail -n 25 | diag
	fi
	check "$1: through the dkms (out-of-tree) megaraid_sas" remake_boot_ours "$log"
}

# ---- base images (host-only) and the build, side by side ------------------------
t0=$SECONDS
remake_generate dracut "$T/boot-dracut/initrd.img-$K" >"$T/dracut-base.log" 2>&1 &
dracut_pid=$!
step "build megaraid_sas" 0 itools build -k "$K" "megaraid_sas/$v"
echo "megaraid_sas built in $((SECONDS - t0))s" | diag
t1=$SECONDS
check "initramfs-tools makes a host-only image" remake_generate itools "$T/boot-itools/initrd.img-$K"
echo "mkinitramfs: $((SECONDS - t1))s" | diag
wait "$dracut_pid"
check "dracut makes a host-only image" test $? = 0 -a -s "$T/boot-dracut/initrd.img-$K"
echo "dracut (beside the build): $((SECONDS - t0))s" | diag
for g in itools dracut; do
	cp "$T/boot-$g/initrd.img-$K" "$T/base-$g.img"
	if has_megaraid "$T/base-$g.img"; then
		not_ok "$g: the host-only image leaves megaraid_sas out"
	else
		ok "$g: the host-only image leaves megaraid_sas out"
	fi
done

for g in itools dracut; do
	IMG=$T/boot-$g/initrd.img-$K
	[[ $g == itools ]] && gname=gen-itools.sh || gname=gen-dracut.sh
	# ---- regenerate ----
	t0=$SECONDS
	step "$g, regenerate: install" 0 "$g" install --force -k "$K" "megaraid_sas/$v" --initrd-mode=regenerate
	echo "$g: install with regeneration took $((SECONDS - t0))s" | diag
	check "$g, regenerate: says so" grep -qx "Regenerating $IMG with $gname... done." "$T/out"
	check "$g, regenerate: the image holds the dkms module" bash -c "'$DKMS_BIN' lsinitrd --verbose '$IMG' | grep -q 'lib/modules/$K/updates/dkms/megaraid_sas.ko\$'"
	check "$g, regenerate: .old-dkms is the host-only image" cmp "$T/base-$g.img" "$IMG.old-dkms"
	check "$g, regenerate: modprobe.d in the image has the alias" \
		bash -c "lsinitrd '$IMG' -f etc/modprobe.d/dkms-megaraid_sas.conf | grep -qx 'alias scsi_hostadapter megaraid_sas'"
	if [[ $g == itools ]]; then
		check "$g, regenerate: the image loads it (conf/modules)" bash -c "lsinitrd '$IMG' -f conf/modules | grep -qE '^megaraid_sas ?\$'"
	else
		check "$g, regenerate: the image loads it (rd.driver.pre)" \
			bash -c "lsinitrd '$IMG' -f etc/cmdline.d/20-force_drivers.conf | grep -qx rd.driver.pre=megaraid_sas"
	fi
	booted "$g, regenerate" "$IMG"
	t0=$SECONDS
	step "$g, regenerate: uninstall" 0 "$g" uninstall -k "$K" "megaraid_sas/$v" --initrd-mode=regenerate
	echo "$g: uninstall with regeneration took $((SECONDS - t0))s" | diag
	if has_megaraid "$IMG"; then
		not_ok "$g, regenerate: after uninstall the image has no megaraid_sas"
	else
		ok "$g, regenerate: after uninstall the image has no megaraid_sas"
	fi
	check "$g, regenerate: the generator configuration is gone" \
		bash -c "! ls '$T'/sysconf/*/dkms-* '$T'/sysconf/*/*/dkms-* 2>/dev/null && ! grep -q megaraid_sas '$T/sysconf/initramfs-tools/modules'"

	# ---- fragment ----
	cp "$T/base-$g.img" "$IMG"
	rm -f "$IMG.old-dkms"
	step "$g, fragment: install" 0 "$g" install --force -k "$K" "megaraid_sas/$v" --initrd-mode=fragment
	check "$g, fragment: says so" grep -qx "Appending megaraid_sas to $IMG... done." "$T/out"
	check "$g, fragment: the original bytes come first" cmp -n "$(stat -c %s "$T/base-$g.img")" "$T/base-$g.img" "$IMG"
	cp "$IMG" "$T/fragment-$g.img"
	booted "$g, fragment" "$IMG"
	step "$g, fragment: uninstall" 0 "$g" uninstall -k "$K" "megaraid_sas/$v" --initrd-mode=fragment
	check "$g, fragment: uninstall gives back the original bytes" cmp "$T/base-$g.img" "$IMG"
	check "$g, fragment: and no record" test ! -e "$IMG.dkms-fragment"

	# ---- auto ----
	step "$g, auto: install" 0 "$g" install --force -k "$K" "megaraid_sas/$v"
	check "$g, auto: appends a fragment to an image that loads modules through udev" \
		grep -qx "Appending megaraid_sas to $IMG... done." "$T/out"
	check "$g, auto: the same bytes as fragment mode (booted above)" cmp "$T/fragment-$g.img" "$IMG"
	step "$g, auto: uninstall" 0 "$g" uninstall -k "$K" "megaraid_sas/$v"
	check "$g, auto: uninstall gives back the original bytes" cmp "$T/base-$g.img" "$IMG"
done
