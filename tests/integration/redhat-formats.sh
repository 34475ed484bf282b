#!/bin/bash
# The Red Hat driver disks through `dkms mkdriverdisk` and `dkms checkdisk`, in
# private trees, for the kernel whose headers are installed: DDv3 (-d redhat)
# of dkms_tiny on every medium, read back with xorriso, blkid, mtools, cpio and
# rpm; of megaraid_sas (Debian's linux-source-6.1); the legacy rhdd (redhat2)
# and rhdd-6.1 (redhat1) disks of megaraid_sas with their generated tables.
# Then broken disks checkdisk must reject, each rebuilt as a real ISO: no
# rhdd3, an RPM in a subdirectory, an RPM whose kernel-modules Provide has no
# version (made by rpmbuild), a kernel the disk does not serve, and a legacy
# disk whose modinfo the loader would ignore.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
ARCH=$(uname -m)
if [[ -z $K ]]; then
	skip "redhat formats" "no kernel headers installed"
	exit 0
fi
for p in rpmbuild rpm createrepo_c xorriso blkid mdir mtype cpio; do
	if ! command -v $p >/dev/null; then
		skip "redhat formats" "$p is not installed"
		exit 0
	fi
done

mkdir -p "$T"/{src,tree,inst/"$K",etc}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release"
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc try_sign_modules=false
unset sign_file post_transaction parallel_jobs

is() {
	if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1"; diff <(echo "$2") <(echo "$3") | diag; fi
}

iso_files() { xorriso -indev "$1" -find / -type f 2>/dev/null | tr -d "'" | sort; }
iso_get() { xorriso -osirrox on -indev "$1" -extract "$2" "$3" >/dev/null 2>&1; }
# make_iso DIR ISO: a Rock Ridge ISO labelled OEMDRV, as an OEM would master one
make_iso() { xorriso -as mkisofs -quiet -R -J -V OEMDRV -o "$2" "$1" 2>/dev/null; }
problems() { grep '^Problem: ' "$T/err"; }

provide=$(echo "$K" | sed 's/-/./2g')
rpmname=kmod-dkms_tiny-$K-1.0-1.$ARCH.rpm
dd=$T/tree/dkms_tiny/1.0/driver_disk

cp -r "$TOP/examples/dkms_tiny" "$T/src/dkms_tiny-1.0"
step "add dkms_tiny" 0 add dkms_tiny/1.0

# --- DDv3 on an ISO (the default medium), built on the way
step "mkdriverdisk -d redhat (builds dkms_tiny first)" 0 mkdriverdisk dkms_tiny/1.0 -d redhat -k "$K"
iso=$dd/dkms_tiny-1.0-redhat-dd.iso
is "the ISO's files" "/rhdd3
/rpms/$ARCH/$rpmname
/rpms/$ARCH/repodata/filelists.xml.gz
/rpms/$ARCH/repodata/other.xml.gz
/rpms/$ARCH/repodata/primary.xml.gz
/rpms/$ARCH/repodata/repomd.xml" "$(iso_files "$iso")"
is "labelled OEMDRV: anaconda finds it by itself" OEMDRV "$(blkid -o value -s LABEL "$iso")"
iso_get "$iso" /rhdd3 "$T/rhdd3"
is "rhdd3" "dkms_tiny-1.0 driver disk" "$(cat "$T/rhdd3")"
iso_get "$iso" "/rpms/$ARCH/$rpmname" "$T/$rpmname"
is "the RPM on the disk provides this kernel exactly" "kernel-modules = $provide" \
	"$(rpm -qp --provides "$T/$rpmname" 2>/dev/null | grep ^kernel-modules)"
iso_get "$iso" "/rpms/$ARCH/repodata/primary.xml.gz" "$T/primary.xml.gz"
check "the repodata lists the RPM" grep -q "<location href=\"$rpmname\"/>" <(gzip -dc "$T/primary.xml.gz")

step "checkdisk for $K" 0 checkdisk "$iso" -k "$K"
is "checkdisk names the driver anaconda would load" "Drivers for kernel $K ($ARCH):
  dkms_tiny (rpms/$ARCH/$rpmname)
Result: OK" "$(sed -n '/^Drivers/,$p' "$T/out")"
next=$(echo "$K" | awk -F- '{ $2 = $2 + 1; print }' OFS=-)
step "checkdisk for $next: a problem" 1 checkdisk "$iso" -k "$next"
is "the disk does not serve $next" "Problem: rpms/$ARCH: no RPM provides kernel-modules for $next, so the installer loads nothing from this disk (it serves: = $provide)" "$(problems)"
step "checkdisk for an aarch64 installer: a problem" 1 checkdisk "$iso" -k "$K/aarch64"
check "no rpms/aarch64" grep -q "^Problem: rpms/aarch64: missing" "$T/err"

# --- the other media
step "mkdriverdisk --media floppy" 0 mkdriverdisk dkms_tiny/1.0 -d redhat -k "$K" --media floppy
img=$dd/dkms_tiny-1.0-redhat-dd.img
is "floppy labelled OEMDRV" OEMDRV "$(blkid -o value -s LABEL "$img")"
check "floppy holds the RPM under its long name" grep -q "$rpmname" <(mdir -i "$img" -b "::/rpms/$ARCH")
is "floppy rhdd3" "dkms_tiny-1.0 driver disk" "$(mtype -i "$img" ::/rhdd3)"
step "checkdisk floppy" 0 checkdisk "$img" -k "$K"

step "mkdriverdisk --media cpio" 0 mkdriverdisk dkms_tiny/1.0 -d redhat -k "$K" --media cpio
cg=$dd/dkms_tiny-1.0-redhat-dd.cpio.gz
is "the cpio holds dd.iso and nothing else" "dd.iso" "$(gzip -dc "$cg" | cpio -it --quiet)"
(cd "$T" && gzip -dc "$cg" | cpio -id --quiet dd.iso)
is "dd.iso holds the same disk" "$(iso_files "$iso")" "$(iso_files "$T/dd.iso")"
check "its boot line says inst.dd=/dd.iso" grep -q "inst.dd=/dd.iso" "$T/out"
step "checkdisk cpio" 0 checkdisk "$cg" -k "$K"

for m in tar squashfs; do
	step "mkdriverdisk --media $m" 0 mkdriverdisk dkms_tiny/1.0 -d redhat -k "$K" --media $m
done

# --- megaraid_sas: DDv3 and the legacy disks
if src=$("$TOP/examples/get-driver-source.sh" megaraid_sas 2>"$T/fetch.err"); then
	ver=${src##*-}
	cp -r "$src" "$T/src/"
	step "add megaraid_sas" 0 add "megaraid_sas/$ver"
	start=$SECONDS
	step_built "build megaraid_sas" "megaraid_sas/$ver" "$K"
	echo "# megaraid_sas build: $((SECONDS - start)) s"
	mdd=$T/tree/megaraid_sas/$ver/driver_disk
	start=$SECONDS
	step "mkdriverdisk megaraid_sas -d redhat" 0 mkdriverdisk "megaraid_sas/$ver" -d redhat -k "$K"
	echo "# mkdriverdisk -d redhat megaraid_sas: $((SECONDS - start)) s"
	step "checkdisk megaraid_sas" 0 checkdisk "$mdd/megaraid_sas-$ver-redhat-dd.iso" -k "$K"
	check "anaconda would load megaraid_sas" \
		grep -qx "  megaraid_sas (rpms/$ARCH/kmod-megaraid_sas-$K-$ver-1.$ARCH.rpm)" "$T/out"

	step "mkdriverdisk megaraid_sas -d redhat2 (floppy)" 0 mkdriverdisk "megaraid_sas/$ver" -d redhat2 -k "$K"
	fl=$mdd/megaraid_sas-$ver-redhat2-dd.img
	is "rhdd disk files" "modinfo
modules.alias
modules.cgz
modules.dep
modules.pcimap
pcitable
rhdd" "$(mdir -i "$fl" -b :: | sed 's|^::/||' | sort)"
	is "rhdd" "megaraid_sas-$ver driver disk" "$(mtype -i "$fl" ::/rhdd)"
	is "modinfo: a SCSI host adapter" "Version 0
megaraid_sas
	scsi
	\"Broadcom MegaRAID SAS Driver\"" "$(mtype -i "$fl" ::/modinfo)"
	is "modules.dep" "megaraid_sas: scsi_mod" "$(mtype -i "$fl" ::/modules.dep)"
	mtype -i "$fl" ::/modules.cgz >"$T/modules.cgz"
	is "modules.cgz members" "$K
$K/$ARCH
$K/$ARCH/megaraid_sas.ko" "$(gzip -dc "$T/modules.cgz" | cpio -it --quiet)"
	/sbin/modinfo -F alias "$T/tree/megaraid_sas/$ver/$K/$ARCH/module/megaraid_sas.ko" |
		sed 's/$/ megaraid_sas/; s/^/alias /' >"$T/alias.want"
	mtype -i "$fl" ::/modules.alias >"$T/alias.got"
	expect_same "modules.alias: every alias of the module, as depmod writes them" "$T/alias.want" "$T/alias.got"
	mtype -i "$fl" ::/pcitable >"$T/pcitable"
	is "pcitable: one line per vendor:device alias" "$(grep -c 'pci:v0000' "$T/alias.want")" \
		"$(grep -c '^0x[0-9a-f]\{4\}	0x[0-9a-f]\{4\}	"megaraid_sas"	"Broadcom MegaRAID SAS Driver"$' "$T/pcitable")"
	step "checkdisk rhdd" 0 checkdisk "$fl" -k "$K"
	check "the RHEL 5 loader would load megaraid_sas" \
		grep -qx "  megaraid_sas (modules.cgz: $K/$ARCH/megaraid_sas.ko)" "$T/out"

	step "mkdriverdisk megaraid_sas -d redhat1 --media iso" 0 \
		mkdriverdisk "megaraid_sas/$ver" -d redhat1 -k "$K" --media iso
	l0=$mdd/megaraid_sas-$ver-redhat1-dd.iso
	iso_get "$l0" /modules.cgz "$T/modules0.cgz"
	is "rhdd-6.1 modules.cgz members" "$K
$K/megaraid_sas.ko" "$(gzip -dc "$T/modules0.cgz" | cpio -it --quiet)"
	step "checkdisk rhdd-6.1" 0 checkdisk "$l0" -k "$K"

	# a legacy disk whose modinfo the loader ignores
	mkdir -p "$T/legacy"
	xorriso -osirrox on -indev "$l0" -extract / "$T/legacy" >/dev/null 2>&1
	chmod -R u+w "$T/legacy"
	printf 'megaraid_sas\n\tscsi\n' >"$T/legacy/modinfo"
	make_iso "$T/legacy" "$T/legacy.iso"
	step "checkdisk: modinfo without Version 0" 1 checkdisk "$T/legacy.iso" -k "$K"
	is "the loader would ignore modinfo" \
		'Problem: modinfo: the first line must be "Version 0" (the loader ignores the file otherwise)' \
		"$(problems)"
else
	skip "megaraid_sas" "no driver source: $(tail -n 1 "$T/fetch.err")"
fi

# --- broken DDv3 disks, each a real ISO
mkdir -p "$T/good"
xorriso -osirrox on -indev "$iso" -extract / "$T/good" >/dev/null 2>&1
chmod -R u+w "$T/good"
variant() { rm -rf "$T/v"; cp -a "$T/good" "$T/v"; }

variant
rm "$T/v/rhdd3"
make_iso "$T/v" "$T/v.iso"
step "checkdisk: no rhdd3" 1 checkdisk "$T/v.iso" -k "$K"
is "no rhdd3: dracut does not see a repository" "Problem: rhdd3: missing (anaconda takes a directory for a driver repository only when a file rhdd3 is beside rpms/)" "$(problems)"

variant
: >"$T/v/rhdd3"
make_iso "$T/v" "$T/v.iso"
step "checkdisk: empty rhdd3" 1 checkdisk "$T/v.iso" -k "$K"
is "empty rhdd3" "Problem: rhdd3: empty (the RHEL 6 loader refuses an empty rhdd3)" "$(problems)"

variant
mkdir "$T/v/rpms/$ARCH/kmods"
mv "$T/v/rpms/$ARCH/$rpmname" "$T/v/rpms/$ARCH/kmods/"
make_iso "$T/v" "$T/v.iso"
step "checkdisk: the RPM in a subdirectory" 1 checkdisk "$T/v.iso" -k "$K"
check "dd_list does not look in subdirectories" grep -qx \
	"Problem: rpms/$ARCH/kmods/$rpmname: not directly in rpms/$ARCH/ (dd_list does not look in subdirectories)" "$T/err"

variant
rm "$T/v/rpms/$ARCH/$rpmname"
mkdir -p "$T/spec/root/lib/modules/$K/extra/dkms_tiny"
cp "$T/tree/dkms_tiny/1.0/$K/$ARCH/module/dkms_tiny.ko" "$T/spec/root/lib/modules/$K/extra/dkms_tiny/"
cat >"$T/spec/unversioned.spec" <<EOF
Name: kmod-dkms_tiny
Version: 1.0
Release: 1
Summary: an unversioned kernel-modules Provide
License: GPL
AutoReqProv: no
Provides: kernel-modules
%description
Never selected by dd_list.
%install
cp -a $T/spec/root/. %{buildroot}/
%files
/lib/modules/$K/extra/dkms_tiny
EOF
rpmbuild -bb --quiet --target "$ARCH" --define "_topdir $T/spec/top" --define "_rpmdir $T/v/rpms" \
	--define "__os_install_post %{nil}" --define "_build_id_links none" \
	"$T/spec/unversioned.spec" >/dev/null 2>&1
createrepo_c --quiet --no-database --simple-md-filenames --update "$T/v/rpms/$ARCH" >/dev/null
make_iso "$T/v" "$T/v.iso"
step "checkdisk: an unversioned Provides" 1 checkdisk "$T/v.iso" -k "$K"
check "an unversioned Provide never matches" grep -qx "Problem: rpms/$ARCH/kmod-dkms_tiny-1.0-1.$ARCH.rpm: Provides kernel-modules without a version: dd_list never matches it to any kernel" "$T/err"
check "so nothing would load" grep -q "^Problem: rpms/$ARCH: no RPM provides kernel-modules for $K" "$T/err"

variant
rm -r "$T/v/rpms/$ARCH/repodata"
make_iso "$T/v" "$T/v.iso"
step "checkdisk: no repodata" 1 checkdisk "$T/v.iso" -k "$K"
is "no repodata" "Problem: rpms/$ARCH/repodata/repomd.xml: missing (the RHEL 6 loader needs repodata; anaconda would have to run createrepo_c)" "$(problems)"

echo "1..$_tap_n"
