#!/bin/bash
# Cross-building: `-k <kernel>/aarch64` on this x86_64 machine builds an arm64
# module with real Debian arm64 headers (linux-headers-<abi>-arm64:arm64 for the
# ABI of the installed amd64 headers, fetched with apt-get download into the
# cache and extracted with dpkg-deb -x) and gcc-aarch64-linux-gnu: ELF AArch64,
# vermagic "<kernel> ... aarch64", the tree keeping <kernel>/aarch64/ and
# status showing the arch. Then what must be refused, with nothing installed:
# a MAKE that ignores the target (builds for the host kernel), a tree whose
# aarch64 slot holds an x86-64 module, and a foreign arch with no compiler.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/lib-foreign.sh"

K=$(headers_kernel)
HOST=$(uname -m)
CACHE=${DKMS_CACHE:-$TOP/.cache}
if [[ -z $K || $HOST != x86_64 ]]; then
	skip "cross-building" "needs an x86_64 machine with amd64 kernel headers"
	echo "1..$_tap_n"; exit 0
fi
if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
	skip "cross-building" "no aarch64-linux-gnu-gcc (scripts/install-deps.sh test installs gcc-aarch64-linux-gnu)"
	echo "1..$_tap_n"; exit 0
fi
KA=${K%-amd64}-arm64

if ! HA=$(foreign_headers arm64); then
	skip "cross-building" "$HA"
	echo "1..$_tap_n"; exit 0
fi

mkdir -p "$T"/{tree,src,etc,inst/"$KA",inst/"$K"}
ln -s "$HA" "$T/inst/$KA/build"
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release" # Debian's destination: updates/dkms
export DKMS_ETC_DIR=$T/etc DKMS_OS_RELEASE=$T/os-release try_sign_modules=false
unset CROSS_COMPILE sign_file post_transaction parallel_jobs
KO=$T/tree/dkms_tiny/1.0/$KA/aarch64/module/dkms_tiny.ko

step "add dkms_tiny" 0 add "$TOP/examples/dkms_tiny"
step "build -k $KA/aarch64" 0 build dkms_tiny/1.0 -k "$KA/aarch64"
check "the module is ELF 64-bit AArch64" bash -c "readelf -h '$KO' | grep -q 'Machine: *AArch64' && readelf -h '$KO' | grep -q 'Class: *ELF64'"
is_vermagic() { [[ $(modinfo -F vermagic "$KO") == "$KA "*" aarch64" ]] || { modinfo -F vermagic "$KO"; return 1; }; }
check "vermagic names $KA and ends in aarch64" is_vermagic
check "make got ARCH=arm64 and CROSS_COMPILE=aarch64-linux-gnu- from the build's environment" \
	bash -c "! grep -q 'ARCH=\|CROSS_COMPILE=' <(grep '^# command' '$T/tree/dkms_tiny/1.0/$KA/aarch64/log/make.log')"
check "stripped by aarch64-linux-gnu-strip (no debug info)" bash -c "! readelf -S '$KO' | grep -q '\.debug_'"
dk status dkms_tiny/1.0
is_status() { [[ $(cat "$T/out") == "dkms_tiny/1.0, $KA, aarch64: built" ]] || { cat "$T/out"; return 1; }; }
check "status shows the arch as dkms does" is_status

step "install -k $KA/aarch64 --no-depmod" 0 install dkms_tiny/1.0 -k "$KA/aarch64" --no-depmod
check "installed in the arm64 kernel's tree" cmp "$KO" "$T/inst/$KA/updates/dkms/dkms_tiny.ko"
[[ -e $T/inst/$KA/updates/dkms/dkms_tiny.ko ]] || cat "$T/out" "$T/err" | diag
step "uninstall" 0 uninstall dkms_tiny/1.0 -k "$KA/aarch64"
step "remove" 0 remove dkms_tiny/1.0 -k "$KA/aarch64"

# --- a MAKE that builds for the machine it runs on, not the target
M=$T/hostmake-1.0
mkdir -p "$M"
cp "$TOP/examples/dkms_tiny/dkms_tiny.c" "$M/"
echo 'obj-m := dkms_tiny.o' >"$M/Makefile"
cat >"$M/dkms.conf" <<CONF
PACKAGE_NAME="hostmake"
PACKAGE_VERSION="1.0"
BUILT_MODULE_NAME[0]="dkms_tiny"
DEST_MODULE_LOCATION[0]="/extra"
MAKE[0]="env -u ARCH -u CROSS_COMPILE make -C /usr/src/linux-headers-$K M=\$dkms_tree/hostmake/1.0/build"
CONF
step "add hostmake" 0 add "$M"
step "build -k $KA/aarch64 with a MAKE for the host: refused, exit 12" 12 build hostmake/1.0 -k "$KA/aarch64"
grep -q "^Error! .*dkms_tiny.ko is not for kernel $KA (aarch64): it is an ELF module for x86-64, 64-bit little-endian, aarch64 needs AArch64, 64-bit little-endian.$" "$T/err" &&
	ok "one line says why" || { not_ok "one line says why"; diag <"$T/err"; }
check "nothing built" test ! -e "$T/tree/hostmake/1.0/$KA"

# --- an x86-64 module in the tree's aarch64 slot is not installed
step "build dkms_tiny for $K (x86_64)" 0 build dkms_tiny/1.0 -k "$K/x86_64"
mkdir -p "$T/tree/dkms_tiny/1.0/$KA"
cp -a "$T/tree/dkms_tiny/1.0/$K/x86_64" "$T/tree/dkms_tiny/1.0/$KA/aarch64"
step "install -k $KA/aarch64 of an x86-64 module: refused, exit 12" 12 install dkms_tiny/1.0 -k "$KA/aarch64" --no-depmod
grep -q "^Error! .*dkms_tiny.ko is not for kernel $KA (aarch64): it is an ELF module for x86-64" "$T/err" &&
	ok "the refusal names the module and the machines" || { not_ok "the refusal names the module and the machines"; diag <"$T/err"; }
check "nothing installed in the arm64 kernel's tree" test ! -e "$T/inst/$KA/updates"
rm -rf "$T/tree/dkms_tiny/1.0/$KA"

# --- a foreign arch without its compiler: one line naming the package
mkdir -p "$T/bin"
for p in make gcc gcc-12 ld as strip readelf objcopy nm bash sh env sed awk grep cat rm cp mv mkdir ln uname dirname basename sort; do
	command -v "$p" >/dev/null && ln -sf "$(command -v "$p")" "$T/bin/$p"
done
PATH=$T/bin dk build dkms_tiny/1.0 -k "$KA/aarch64"
[[ $rc == 12 ]] && ok "no cross compiler: exit 12" || not_ok "no cross compiler: exit 12 (exit $rc)"
grep -qx "Error! Building for aarch64 (kernel $KA) needs a cross compiler: no aarch64-linux-gnu-gcc on PATH. Install gcc-aarch64-linux-gnu, or set CROSS_COMPILE." "$T/err" &&
	ok "one line naming gcc-aarch64-linux-gnu" || { not_ok "one line naming gcc-aarch64-linux-gnu"; diag <"$T/err"; }
echo "1..$_tap_n"
