#!/bin/bash
# Boot proof of the initramfs fragment: Debian's kernel under qemu (TCG) with
# an emulated MegaRAID controller (megasas-gen2) and a scsi-hd. The base is
# a busybox initramfs in Debian's merged-/usr layout holding the kernel's
# SCSI modules but not megaraid_sas; its init loads modules by the devices'
# modaliases as udev would.
#   base + `dkms mkdriverdisk -d initramfs` (gzip): megaraid_sas loads, sda appears
#   base alone: no megaraid_sas, no sda
#   base + the fragment made with --initrd base --compress xz: sda appears
#   base + the same fragment with a "lib" directory entry put back: the
#     entry replaces the base's lib -> usr/lib link and nothing loads (why
#     the format leaves it out)
# Boot times go to TAP comments.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/boot-lib.bash"

boot_setup "boot with the megaraid_sas fragment"
boot_build_driver megaraid_sas

# boot NAME IMG: boot it, the log in $T/NAME.log
boot() {
	if boot_run "$2" "$T/$1.log"; then
		ok "$1: boots to the init's end"
	else
		not_ok "$1: boots to the init's end"
		tail -n 30 "$T/$1.log" | tr -d '\r' | diag
	fi
	echo "# $1: boot took $BOOT_SECONDS s"
}

# saw NAME LOG LINE / not_saw NAME LOG LINE
saw() { if boot_saw "$2" "$3"; then ok "$1"; else not_ok "$1"; tr -d '\r' <"$2" | grep DKMS-BOOT | diag; fi; }
not_saw() { if boot_saw "$2" "$3"; then not_ok "$1"; else ok "$1"; fi; }

dk mkdriverdisk "$MV" -k "$K" -d initramfs --archive "$T/frag.cpio.gz"
if [[ $rc == 0 ]]; then ok "mkdriverdisk -d initramfs"; else not_ok "mkdriverdisk -d initramfs"; cat "$T/out" "$T/err" | diag; fi
dk lsinitrd "$T/frag.cpio.gz"
if grep -qxF "  megaraid_sas (dkms: $MV)" "$T/out" && grep -qE '^ +0 +0 +[0-9]+  gzip ' "$T/out"; then
	ok "the fragment: one gzip member holding the dkms build of megaraid_sas"
else
	not_ok "the fragment: one gzip member holding the dkms build of megaraid_sas"
	diag <"$T/out"
fi

boot_base_image "$T/base.img" sd_mod megaraid_sas -x megaraid_sas
dk lsinitrd "$T/base.img"
if grep -qxF "  scsi_mod" "$T/out" && grep -qxF "  sd_mod" "$T/out" && ! grep -q megaraid "$T/out"; then
	ok "the base holds scsi_mod and sd_mod, not megaraid_sas"
else
	not_ok "the base holds scsi_mod and sd_mod, not megaraid_sas"
	diag <"$T/out"
fi

cat "$T/base.img" "$T/frag.cpio.gz" >"$T/with.img"
dk lsinitrd "$T/with.img"
if grep -qxF "  megaraid_sas (dkms: $MV)" "$T/out" && grep -qxF "  scsi_mod" "$T/out"; then
	ok "base + fragment: lsinitrd sees the base's modules and the dkms one"
else
	not_ok "base + fragment: lsinitrd sees the base's modules and the dkms one"
	diag <"$T/out"
fi
boot with "$T/with.img"
saw "with the fragment: megaraid_sas loaded" "$T/with.log" "DKMS-BOOT: loaded megaraid_sas"
saw "with the fragment: its PCI driver bound" "$T/with.log" "DKMS-BOOT: pci driver megaraid_sas"
saw "with the fragment: sda present" "$T/with.log" "DKMS-BOOT: sda present"
saw "with the fragment: scsi_mod from the base loaded" "$T/with.log" "DKMS-BOOT: loaded scsi_mod"

boot without "$T/base.img"
saw "without: no sda" "$T/without.log" "DKMS-BOOT: no sda"
not_saw "without: no megaraid_sas" "$T/without.log" "DKMS-BOOT: loaded megaraid_sas"

# --initrd BASE: the index covers exactly the base's modules and the new one
dk mkdriverdisk "$MV" -k "$K" -d initramfs --initrd "$T/base.img" --compress xz --archive "$T/frag2.cpio.xz"
if [[ $rc == 0 ]]; then ok "mkdriverdisk -d initramfs --initrd base --compress xz"; else not_ok "mkdriverdisk -d initramfs --initrd base --compress xz"; cat "$T/out" "$T/err" | diag; fi
mkdir -p "$T/f2" "$T/b"
(cd "$T/f2" && xz -dc "$T/frag2.cpio.xz" | cpio --quiet -id)
(cd "$T/b" && gzip -dc "$T/base.img" | cpio --quiet -id)
(cd "$T/b/usr/lib/modules/$K" && find . -name '*.ko' | sed 's|^\./||' | sort) >"$T/base.mods"
{ cat "$T/base.mods"; echo updates/dkms/megaraid_sas.ko; } | sort >"$T/want.mods"
cut -d: -f1 "$T/f2/lib/modules/$K/modules.dep" | sort >"$T/got.mods"
expect_same "--initrd: modules.dep lists exactly the base's modules and megaraid_sas" "$T/want.mods" "$T/got.mods"
cat "$T/base.img" "$T/frag2.cpio.xz" >"$T/with2.img"
boot with-initrd "$T/with2.img"
saw "--initrd fragment (xz): sda present" "$T/with-initrd.log" "DKMS-BOOT: sda present"

# The same fragment with a "lib" directory entry: the kernel unlinks the base's
# lib -> usr/lib symlink to make the directory, and the base's libraries and
# modules are out of reach.
(cd "$T/f2" && find lib | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -9 >"$T/bad.cpio.gz"
dk lsinitrd "$T/bad.cpio.gz" --verbose
if grep -qE '^  drwxr-xr-x +0 lib$' "$T/out"; then ok "the bad fragment has a lib directory entry"; else not_ok "the bad fragment has a lib directory entry"; fi
cat "$T/base.img" "$T/bad.cpio.gz" >"$T/bad.img"
boot lib-dir "$T/bad.img"
saw "a lib directory entry: no sda" "$T/lib-dir.log" "DKMS-BOOT: no sda"
not_saw "a lib directory entry: megaraid_sas not loaded" "$T/lib-dir.log" "DKMS-BOOT: loaded megaraid_sas"
not_saw "a lib directory entry: not even the base's scsi_mod loads" "$T/lib-dir.log" "DKMS-BOOT: loaded scsi_mod"
