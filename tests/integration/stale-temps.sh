#!/bin/bash
# What a killed run leaves of its temp files is cleaned up by the next run
# that holds the tree's lock: a staging dir of a killed build
# (<tree>/m/v/<k>/.tmp_<arch>_XXXXXX) and the temp copy of a killed install
# (<installtree>/<k>/<dest>/<name>.ko.tmpXXXXXX). Other files stay.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
if [[ -z $K ]]; then
	skip "stale temps" "no kernel headers installed"; echo "1..$_tap_n"; exit 0
fi
A=$(uname -m)
mkdir -p "$T"/{src,tree,inst/"$K",etc}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release"
export DKMS_ETC_DIR=$T/etc DKMS_OS_RELEASE=$T/os-release try_sign_modules=false
D=("$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst")

check "add" "${D[@]}" add "$TOP/examples/dkms_tiny"
v=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$TOP/examples/dkms_tiny/dkms.conf")
kdir=$T/tree/dkms_tiny/$v/$K
mkdir -p "$kdir/.tmp_${A}_Ab12Cd/module"
touch "$kdir/.tmp_${A}_Ab12Cd/module/dkms_tiny.ko" "$kdir/.tmp_${A}_keepme_not_ours"
check "build" "${D[@]}" build -k "$K" "dkms_tiny/$v"
check "the killed build's staging dir is gone" test ! -e "$kdir/.tmp_${A}_Ab12Cd"
check "a name that is not a temp of ours stays" test -e "$kdir/.tmp_${A}_keepme_not_ours"

dest=$T/inst/$K/updates/dkms
mkdir -p "$dest"
echo partial >"$dest/dkms_tiny.ko.tmpQw34Er"
echo other >"$dest/other.ko.tmpQw34Er"
check "install" "${D[@]}" install -k "$K" "dkms_tiny/$v" --no-depmod
check "the killed install's temp copy is gone" test ! -e "$dest/dkms_tiny.ko.tmpQw34Er"
check "another module's file stays" test -e "$dest/other.ko.tmpQw34Er"
check "the module is installed" cmp "$dest/dkms_tiny.ko" "$kdir/$A/module/dkms_tiny.ko"
echo "1..$_tap_n"
