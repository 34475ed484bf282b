#!/bin/bash
# kABI tracking on RHEL clones and SUSE: install runs the distribution's
# weak-modules script with the installed module paths on stdin, uninstall
# runs it again before the modules go, as dkms 3.4.3 does; a module linked
# into another kernel's weak-updates/ shows "installed-weak" in status.
# The scripts are not in Debian: a stand-in of the same contract records
# argv and stdin (tests/fixtures/weak-modules/weak-modules). With DKMS_SRC
# (dkms 3.4.3's source) the reference runs too and must pass the same words.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
if [[ -z $K ]]; then
	skip "weak-modules" "no kernel headers installed"; echo "1..$_tap_n"; exit 0
fi
A=$(uname -m)
K2=${K%%-*}-98-weak
STANDIN=$TOP/tests/fixtures/weak-modules/weak-modules
mkdir -p "$T"/{src,tree,inst/"$K",inst/"$K2",etc,boot}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
: | gzip >"$T/boot/symvers-$K2.gz" # K2 counts as an installed kernel for the script
export DKMS_ETC_DIR=$T/etc DKMS_OS_RELEASE=$T/os-release try_sign_modules=false \
	DKMS_WEAK_MODULES=$STANDIN WEAK_LOG=$T/weak.log WEAK_ROOT=$T/inst WEAK_BOOT=$T/boot
v=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$TOP/examples/dkms_tiny/dkms.conf")
mod=$T/inst/$K/extra/dkms_tiny.ko

printf 'NAME="Rocky Linux"\nID="rocky"\nID_LIKE="rhel centos fedora"\n' >"$T/os-release"
step "add" 0 add "$TOP/examples/dkms_tiny"
step "install on a RHEL clone" 0 install -k "$K" "dkms_tiny/$v" --no-depmod
check "install said it adds the weak modules" grep -qx "Adding linked weak modules..." "$T/out"
printf 'argv:\n  %s\n  --no-initramfs\n  --add-modules\nstdin:\n  %s\n' "$STANDIN" "$mod" >"$T/want"
expect_same "weak-modules --no-initramfs --add-modules, the installed path on stdin" "$T/want" "$T/weak.log"
check "the stand-in linked it into the other kernel" test "$(readlink "$T/inst/$K2/weak-updates/dkms_tiny.ko")" = "$mod"

dk status
printf 'dkms_tiny/%s, %s, %s: installed\ndkms_tiny, %s, %s, %s: installed-weak from %s\n' \
	"$v" "$K" "$A" "$v" "$K2" "$A" "$K" >"$T/want"
expect_same "status: installed, and installed-weak for the linked kernel" "$T/want" "$T/out"
dk status -k "$K2"
printf 'dkms_tiny/%s: added\ndkms_tiny, %s, %s, %s: installed-weak from %s\n' "$v" "$v" "$K2" "$A" "$K" >"$T/want"
expect_same "status -k <linked kernel>: added there, and installed-weak" "$T/want" "$T/out"

# a link to a file with other bytes (another build) is no weak install of this one
mv "$T/inst/$K2/weak-updates/dkms_tiny.ko" "$T/link.save"
echo other >"$T/other.ko"
ln -s "$T/other.ko" "$T/inst/$K2/weak-updates/dkms_tiny.ko"
dk status -k "$K2"
check "a link to other bytes is not installed-weak" bash -c '! grep -q installed-weak "$1"' _ "$T/out"
rm "$T/inst/$K2/weak-updates/dkms_tiny.ko"
mv "$T/link.save" "$T/inst/$K2/weak-updates/dkms_tiny.ko"

: >"$T/weak.log"
step "uninstall on a RHEL clone" 0 uninstall -k "$K" "dkms_tiny/$v" --no-depmod
printf 'argv:\n  %s\n  --no-initramfs\n  --remove-modules\nstdin:\n  %s\n' "$STANDIN" "$mod" >"$T/want"
expect_same "weak-modules --no-initramfs --remove-modules before the module goes" "$T/want" "$T/weak.log"
dk status
check "status after uninstall: no installed-weak line" bash -c '! grep -q installed-weak "$1"' _ "$T/out"

# NO_WEAK_MODULES in dkms.conf: nothing runs
cp -a "$TOP/examples/dkms_tiny" "$T/tiny-now"
sed -i 's/^PACKAGE_NAME=.*/PACKAGE_NAME="dkms_tinynw"/; s/BUILT_MODULE_NAME\[0\]=.*/BUILT_MODULE_NAME[0]="dkms_tiny"\nDEST_MODULE_NAME[0]="dkms_tinynw"/' "$T/tiny-now/dkms.conf"
echo 'NO_WEAK_MODULES="yes"' >>"$T/tiny-now/dkms.conf"
: >"$T/weak.log"
step "install with NO_WEAK_MODULES" 0 install -k "$K" "$T/tiny-now" --no-depmod
check "NO_WEAK_MODULES: weak-modules did not run" test ! -s "$T/weak.log"
step "uninstall with NO_WEAK_MODULES" 0 remove -k "$K" "dkms_tinynw/$v" --no-depmod

# SUSE: weak-modules2 --add-kernel-modules <kernel>
printf 'NAME="SLES"\nID="sles"\nID_LIKE="suse"\n' >"$T/os-release"
: >"$T/weak.log"
step "install on SUSE" 0 install -k "$K" "dkms_tiny/$v" --no-depmod
smod=$(find "$T/inst/$K" -name dkms_tiny.ko -not -path '*/weak-updates/*')
printf 'argv:\n  %s\n  --add-kernel-modules\n  %s\nstdin:\n  %s\n' "$STANDIN" "$K" "$smod" >"$T/want"
expect_same "weak-modules2 --add-kernel-modules <kernel>, the installed path on stdin" "$T/want" "$T/weak.log"
: >"$T/weak.log"
step "uninstall on SUSE" 0 uninstall -k "$K" "dkms_tiny/$v" --no-depmod
printf 'argv:\n  %s\n  --remove-kernel-modules\n  %s\nstdin:\n  %s\n' "$STANDIN" "$K" "$smod" >"$T/want"
expect_same "weak-modules2 --remove-kernel-modules <kernel>" "$T/want" "$T/weak.log"

# Debian: no weak-modules at all
printf 'ID=debian\n' >"$T/os-release"
: >"$T/weak.log"
step "install on Debian" 0 install -k "$K" "dkms_tiny/$v" --no-depmod
check "Debian: weak-modules did not run" test ! -s "$T/weak.log"
step "uninstall on Debian" 0 uninstall -k "$K" "dkms_tiny/$v" --no-depmod

# dkms 3.4.3 side by side: the same argv and stdin from the reference, its
# weak-modules paths pointed at the stand-in, /etc bound in a private namespace.
ref=${DKMS_SRC:-/work/dkms-src}/dkms
# ref OS-RELEASE ARGS...: run the reference on its own tree with that os-release
ref() {
	printf '%s' "$1" >"$T/ref-os-release"
	shift
	unshare -m --propagation private -- bash -c '
		T=$1; shift
		mount --bind "$T/ref-os-release" /etc/os-release && mount --bind "$T/refetc" /etc/dkms || exit 99
		bash "$T/dkms-ref" --dkmstree "$T/reftree" --sourcetree "$T/src" --installtree "$T/inst" "$@"' \
		_ "$T" "$@" >"$T/ref.out" 2>&1
}
if [[ -f $ref ]] && command -v unshare >/dev/null && [[ $(id -u) == 0 ]]; then
	sed -e "s|/usr/sbin/weak-modules|$STANDIN|g" -e "s|/usr/lib/module-init-tools/weak-modules2|$STANDIN|g" \
		"$ref" >"$T/dkms-ref"
	mkdir -p "$T/reftree" "$T/refetc"
	rocky='NAME="Rocky Linux"
ID="rocky"
ID_LIKE="rhel centos fedora"
'
	sles='NAME="SLES"
ID="sles"
ID_LIKE="suse"
'
	: >"$T/weak.log"
	if ref "$rocky" install -k "$K" "dkms_tiny/$v" --no-depmod; then
		ok "dkms 3.4.3 installs on the RHEL clone"
		printf 'argv:\n  %s\n  --no-initramfs\n  --add-modules\nstdin:\n  %s\n' "$STANDIN" "$mod" >"$T/want"
		expect_same "dkms 3.4.3: the same argv and stdin at install" "$T/want" "$T/weak.log"
	else
		not_ok "dkms 3.4.3 installs on the RHEL clone (exit $?)"; tail -20 "$T/ref.out" | diag
	fi
	: >"$T/weak.log"
	if ref "$rocky" uninstall -k "$K" "dkms_tiny/$v" --no-depmod; then
		ok "dkms 3.4.3 uninstalls on the RHEL clone"
		printf 'argv:\n  %s\n  --no-initramfs\n  --remove-modules\nstdin:\n  %s\n' "$STANDIN" "$mod" >"$T/want"
		expect_same "dkms 3.4.3: the same argv and stdin at uninstall" "$T/want" "$T/weak.log"
	else
		not_ok "dkms 3.4.3 uninstalls on the RHEL clone (exit $?)"; tail -20 "$T/ref.out" | diag
	fi
	: >"$T/weak.log"
	if ref "$sles" install -k "$K" "dkms_tiny/$v" --no-depmod; then
		ok "dkms 3.4.3 installs on SUSE"
		printf 'argv:\n  %s\n  --add-kernel-modules\n  ${kernelver}\nstdin:\n  %s\n' "$STANDIN" "$smod" >"$T/want"
		expect_same 'dkms 3.4.3 on SUSE passes the literal word ${kernelver} (we pass the kernel)' "$T/want" "$T/weak.log"
	else
		not_ok "dkms 3.4.3 installs on SUSE (exit $?)"; tail -20 "$T/ref.out" | diag
	fi
	ref "$sles" remove -k "$K" "dkms_tiny/$v" --no-depmod
else
	skip "dkms 3.4.3 side by side" "no reference or no root"
fi
echo "1..$_tap_n"
