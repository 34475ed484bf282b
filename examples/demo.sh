#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make demo: build the real megaraid_sas driver out of tree with build/dkms.
#
# Takes the driver source from Debian's linux-source-6.1 package
# (examples/get-driver-source.sh), then, in private trees under build/demo/
# (nothing outside it is touched), signs with a MOK key generated there and
# runs add, build, install --no-depmod, status and mktarball for the kernel
# whose headers are installed; then makes a Red Hat driver disk (ISO), a SUSE
# one (cpio) and an initramfs fragment, and checks the first with checkdisk.
# DKMS_BIN overrides the program.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dkms_bin=${DKMS_BIN:-$top/build/dkms}
demo=$top/build/demo
m=megaraid_sas
arch=$(uname -m)

say() { printf '\n==> %s\n' "$*"; }
rel() { local p=$1; echo "${p#"$top"/}"; }
die() { echo "demo: $*" >&2; exit 1; }

[[ -x $dkms_bin ]] || die "$dkms_bin is missing: run make first"
K=
for h in $(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V -r); do
	[[ -e $h/include ]] && { K=${h#/usr/src/linux-headers-}; break; }
done
[[ -n $K ]] || die "no kernel headers in /usr/src (apt-get install linux-headers-amd64)"

say "Driver source: $m from Debian's linux-source-6.1"
src=$("$top/examples/get-driver-source.sh" "$m")
v=${src##*/$m-}
echo "$(rel "$src") (version $v)"

# Private trees; DKMS_ETC_DIR is empty so no /etc/dkms override applies.
rm -rf "$demo"
mkdir -p "$demo"/{dkmstree,sourcetree,installtree/"$K",etc}
ln -s "/usr/src/linux-headers-$K" "$demo/installtree/$K/build"
export DKMS_ETC_DIR=$demo/etc
export mok_signing_key=$demo/mok.key mok_certificate=$demo/mok.pub try_sign_modules=true
openssl req -x509 -nodes -days 36500 -newkey rsa:2048 -subj "/CN=dkms demo signing key" \
	-addext extendedKeyUsage=codeSigning -outform DER \
	-keyout "$mok_signing_key" -out "$mok_certificate" >/dev/null 2>&1 ||
	die "openssl could not generate the MOK key"

trees=(--dkmstree "$demo/dkmstree" --sourcetree "$demo/sourcetree" --installtree "$demo/installtree")
echo "Trees: $(rel "$demo")/{dkmstree,sourcetree,installtree}; kernel $K; MOK key $(rel "$demo")/mok.key"

# run ARGS...: show and run one dkms command in the private trees.
run() {
	echo "\$ dkms ${*//"$top/"/}"
	"$dkms_bin" "${trees[@]}" "$@" 2>&1 | sed "s|$top/||g; s/^/  /"
	local rc=${PIPESTATUS[0]}
	((rc == 0)) || die "dkms $1 failed with exit code $rc"
}

say "Lifecycle (every command runs with --dkmstree/--sourcetree/--installtree above)"
run add "$src"
t0=$SECONDS
run build -k "$K" "$m/$v"
build_secs=$((SECONDS - t0))
run install -k "$K" --no-depmod "$m/$v"
run status
run mktarball -k "$K" "$m/$v"

built=$demo/dkmstree/$m/$v/$K/$arch
ko=$built/module/$m.ko
installed=$(find "$demo/installtree/$K" -path "$demo/installtree/$K/build" -prune -o -name "$m.ko*" -print | head -n1)
tarball=$(ls "$demo/dkmstree/$m/$v/tarball/"*.tar* 2>/dev/null | head -n1)

disks=()
say "Driver disks and an initramfs fragment (each read back and checked as its installer would)"
# dkms 3.x answers any "--help" with its usage (exit 0): also look for the action.
if help=$("$dkms_bin" mkdriverdisk --help 2>&1) && [[ $help == *mkdriverdisk* ]]; then
	mkdir -p "$demo/disks"
	run mkdriverdisk "$m/$v" -k "$K" -d redhat --media iso --archive "$demo/disks/"
	disks+=("$(ls "$demo"/disks/*-redhat-dd.iso)")
	run mkdriverdisk "$m/$v" -k "$K" -d suse -r sles15 --media cpio --archive "$demo/disks/"
	disks+=("$(ls "$demo"/disks/*-suse-sles15-dd.cpio.gz)")
	# the fragment's module index covers the kernel's own modules: those of
	# its initrd, or of its installed module tree
	frag=()
	if [[ -r /boot/initrd.img-$K ]]; then
		frag=(--initrd "/boot/initrd.img-$K")
	elif [[ -d /lib/modules/$K/kernel ]]; then
		for f in kernel modules.builtin modules.builtin.modinfo modules.order; do
			[[ -e /lib/modules/$K/$f ]] && ln -sfn "/lib/modules/$K/$f" "$demo/installtree/$K/$f"
		done
	fi
	if ((${#frag[@]})) || [[ -d $demo/installtree/$K/kernel ]]; then
		run mkdriverdisk "$m/$v" -k "$K" -d initramfs "${frag[@]}" --archive "$demo/disks/"
		disks+=("$(ls "$demo"/disks/*-initramfs-dd.cpio*)")
	else
		echo "No initrd or module tree of $K here: the initramfs fragment is left out."
	fi
	run checkdisk "${disks[0]}" -k "$K"
else
	echo "Not in this build yet: mkdriverdisk (driver disks, initramfs fragments) is future work."
fi

say "Results (built in ${build_secs}s)"
printf '%-18s %s\n' \
	"built module" "$(rel "$ko")" \
	"  version" "$(modinfo -F version "$ko")" \
	"  vermagic" "$(modinfo -F vermagic "$ko")" \
	"  signer" "$(modinfo -F signer "$ko" || true)" \
	"  aliases" "$(modinfo -F alias "$ko" | wc -l)" \
	"make.log" "$(rel "$built/log/make.log")" \
	"installed module" "$(rel "${installed:-(none)}")" \
	"tarball" "$(rel "${tarball:-(none)}")"
for d in "${disks[@]}"; do
	kind="driver disk"
	[[ $d == *-initramfs-dd.* ]] && kind="initramfs fragment"
	printf '%-18s %s\n' "$kind" "$(rel "$d")"
done
