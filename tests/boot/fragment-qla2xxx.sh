#!/bin/bash
# Boot proof of the initramfs fragment for qla2xxx (QLogic FC HBA) built by
# dkms from Debian's linux-source: qemu emulates no FC HBA, so the init
# loads it by name (dkms.modprobe=qla2xxx) and the proof is that it loads
# with its dependencies (scsi_transport_fc, nvme-fc, ... from the base image,
# found through the fragment's index) and registers its PCI driver.
#   base + `dkms mkdriverdisk qla2xxx -d initramfs`: modprobe ok, pci driver qla2xxx
#   base alone: modprobe fails, no such driver
# The base is a busybox initramfs with qla2xxx's dependencies and not qla2xxx.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/boot-lib.bash"

boot_setup "boot with the qla2xxx fragment"
start=$SECONDS
boot_build_driver qla2xxx
echo "# qla2xxx built in $((SECONDS - start)) s"

boot() {
	if boot_run "$2" "$T/$1.log" dkms.modprobe=qla2xxx; then
		ok "$1: boots to the init's end"
	else
		not_ok "$1: boots to the init's end"
		tail -n 30 "$T/$1.log" | tr -d '\r' | diag
	fi
	echo "# $1: boot took $BOOT_SECONDS s"
}
saw() { if boot_saw "$2" "$3"; then ok "$1"; else not_ok "$1"; tr -d '\r' <"$2" | grep DKMS-BOOT | diag; fi; }
not_saw() { if boot_saw "$2" "$3"; then not_ok "$1"; else ok "$1"; fi; }

dk mkdriverdisk "$MV" -k "$K" -d initramfs --archive "$T/frag.cpio.gz"
if [[ $rc == 0 ]]; then ok "mkdriverdisk qla2xxx -d initramfs"; else not_ok "mkdriverdisk qla2xxx -d initramfs"; cat "$T/out" "$T/err" | diag; fi
dk lsinitrd "$T/frag.cpio.gz"
if grep -qxF "  qla2xxx (dkms: $MV)" "$T/out"; then ok "the fragment holds the dkms build of qla2xxx"; else not_ok "the fragment holds the dkms build of qla2xxx"; diag <"$T/out"; fi

boot_base_image "$T/base.img" qla2xxx -x qla2xxx
dk lsinitrd "$T/base.img"
if grep -qxF "  scsi_transport_fc" "$T/out" && grep -qxF "  nvme-fc" "$T/out" && ! grep -q qla2xxx "$T/out"; then
	ok "the base holds scsi_transport_fc and nvme-fc, not qla2xxx"
else
	not_ok "the base holds scsi_transport_fc and nvme-fc, not qla2xxx"
	diag <"$T/out"
fi

cat "$T/base.img" "$T/frag.cpio.gz" >"$T/with.img"
boot with "$T/with.img"
saw "with the fragment: modprobe qla2xxx" "$T/with.log" "DKMS-BOOT: modprobe qla2xxx ok"
saw "with the fragment: qla2xxx loaded" "$T/with.log" "DKMS-BOOT: loaded qla2xxx"
saw "with the fragment: scsi_transport_fc loaded from the base" "$T/with.log" "DKMS-BOOT: loaded scsi_transport_fc"
saw "with the fragment: nvme_fc loaded from the base" "$T/with.log" "DKMS-BOOT: loaded nvme_fc"
saw "with the fragment: PCI driver qla2xxx registered" "$T/with.log" "DKMS-BOOT: pci driver qla2xxx"

boot without "$T/base.img"
saw "without: modprobe qla2xxx fails" "$T/without.log" "DKMS-BOOT: modprobe qla2xxx failed"
not_saw "without: no PCI driver qla2xxx" "$T/without.log" "DKMS-BOOT: pci driver qla2xxx"
