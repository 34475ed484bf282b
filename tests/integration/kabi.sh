#!/bin/bash
# kabi-check with real Debian headers of other ABIs: the module built for
# the installed kernel N is compared with N-1's Module.symvers (apt-get
# download, whatever the registry serves) and with the oldest 6.1 ABI the
# registry lists. The expected verdict and symbol lines are computed
# independently: modprobe --dump-modversions joined with each Module.symvers.
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C

K=$(headers_kernel)
if [[ -z $K ]]; then
	skip "kabi-check" "no kernel headers installed"; echo "1..$_tap_n"; exit 0
fi
A=$(uname -m)
flavour=${K##*-}
abi=${K%-*}; abi=${abi##*-}
base=${K%%-*}
cache=${DKMS_CACHE:-$TOP/.cache}/kabi
mkdir -p "$cache"
# fetch NAME: the headers package's Module.symvers, extracted below $cache; prints its path
fetch() {
	local pkg=linux-headers-$1 deb
	deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | head -1)
	if [[ -z $deb ]]; then
		(cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1) || return 1
		deb=$(ls "$cache/${pkg}"_*.deb 2>/dev/null | head -1)
	fi
	[[ -n $deb ]] || return 1
	[[ -f $cache/root-$1/usr/src/$pkg/Module.symvers ]] || dpkg-deb -x "$deb" "$cache/root-$1" || return 1
	echo "$cache/root-$1/usr/src/$pkg"
}
Kprev=$base-$((abi - 1))-$flavour
oldest=$(apt-cache search --names-only "^linux-headers-$base-[0-9]+-$flavour\$" 2>/dev/null |
	sed -n "s/^linux-headers-\\($base-[0-9]*-$flavour\\) .*/\\1/p" | sort -V | head -1)
hprev=$(fetch "$Kprev") || hprev=
hold=
[[ -n $oldest && $oldest != "$K" && $oldest != "$Kprev" ]] && { hold=$(fetch "$oldest") || hold=; }
if [[ -z $hprev ]]; then
	skip "kabi-check" "cannot download linux-headers-$Kprev"; echo "1..$_tap_n"; exit 0
fi

mkdir -p "$T"/{src,tree,inst/"$K",etc}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
mkdir -p "$T/inst/$Kprev" && ln -s "$hprev" "$T/inst/$Kprev/build"
printf 'ID=debian\n' >"$T/os-release"
export DKMS_ETC_DIR=$T/etc DKMS_OS_RELEASE=$T/os-release try_sign_modules=false
v=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$TOP/examples/dkms_tiny/dkms.conf")

step "add" 0 add "$TOP/examples/dkms_tiny"
step "kabi-check before the build: exit 3" 3 kabi-check "dkms_tiny/$v" -k "$K"
step "build" 0 build -k "$K" "dkms_tiny/$v"
ko=$(ls "$T/tree/dkms_tiny/$v/$K/$A/module/"dkms_tiny.ko*)

# expect SYMVERS LABEL: the lines kabi-check must print for one kernel
expect() {
	modprobe --dump-modversions "$ko" | sort -t$'\t' -k2,2 >"$T/imports"
	awk -F'\t' 'NR == FNR { k[$2] = 1; next } ($2 in k)' "/usr/src/linux-headers-$K/Module.symvers" "$T/imports" |
		sort -t$'\t' -k2,2 >"$T/kimports"
	awk -F'\t' -v label="$2" '
		NR == FNR { crc[$2] = $1; next }
		{ n++ }
		!($2 in crc) { bad[++m] = "  " $2 ": " $1 " here, not exported there"; next }
		crc[$2] != $1 { bad[++m] = "  " $2 ": " $1 " here, " crc[$2] " there" }
		END {
			if (!m) print label ": compatible"
			else { print label ": incompatible: " m " of " n " symbols differ"; for (i = 1; i <= m; i++) print bad[i] }
		}' "$1" "$T/kimports"
}
n=$(modprobe --dump-modversions "$ko" | awk -F'\t' 'NR == FNR { k[$2] = 1; next } ($2 in k)' "/usr/src/linux-headers-$K/Module.symvers" - | wc -l)

step "kabi-check against every other kernel of the tree" "$(expect "$hprev/Module.symvers" x | head -1 | grep -q ': compatible$' && echo 0 || echo 1)" \
	kabi-check "dkms_tiny/$v" -k "$K"
{ echo "dkms_tiny/$v for $K ($A): 1 module(s), $n kernel symbols"; expect "$hprev/Module.symvers" "$Kprev"; } >"$T/want"
expect_same "the verdict for $Kprev, from its real Module.symvers" "$T/want" "$T/out"
check "the module imports kernel symbols at all" test "$n" -gt 0

if [[ -n $hold ]]; then
	step "kabi-check -k $Kprev and the Module.symvers of $oldest" 1 \
		kabi-check "dkms_tiny/$v" -k "$K" -k "$Kprev" "$hold/Module.symvers"
	{ echo "dkms_tiny/$v for $K ($A): 1 module(s), $n kernel symbols"
	  expect "$hprev/Module.symvers" "$Kprev"; expect "$hold/Module.symvers" "$hold/Module.symvers"; } >"$T/want"
	expect_same "per kernel: $Kprev, and $oldest with the symbols that differ" "$T/want" "$T/out"
	check "$oldest really differs (the check can fail)" grep -q "incompatible" "$T/out"
else
	skip "an older ABI" "none listed by apt-cache"
fi

# a symbol missing from a kernel
sym=$(awk -F'\t' 'NR == FNR { k[$2] = 1; next } ($2 in k) { print $2; exit }' "/usr/src/linux-headers-$K/Module.symvers" <(modprobe --dump-modversions "$ko"))
grep -v -P "\t$sym\t" "$hprev/Module.symvers" >"$T/missing.symvers"
step "a kernel without one of the symbols" 1 kabi-check "dkms_tiny/$v" -k "$K" "$T/missing.symvers"
check "it names the symbol as not exported" grep -qE "^  $sym: 0x[0-9a-f]{8} here, not exported there\$" "$T/out"

# gzip symvers (RHEL's /boot/symvers-K.gz, <kernel>/symvers.gz)
gzip -c "$hprev/Module.symvers" >"$T/symvers.gz"
step "a gzip symvers" 0 kabi-check "dkms_tiny/$v" -k "$K" "$T/symvers.gz"
check "gzip: compatible" grep -qx "$T/symvers.gz: compatible" "$T/out"

# hostile input: one line naming file and line, exit 1
{ head -3 "$hprev/Module.symvers"; printf '0x1234\tevil$(touch %s/pwned)\tvmlinux\tEXPORT_SYMBOL\n' "$T"; } >"$T/bad.symvers"
step "a bad Module.symvers line" 1 kabi-check "dkms_tiny/$v" -k "$K" "$T/bad.symvers"
check "the error names file and line" grep -q "bad.symvers:4: not a Module.symvers line" "$T/err"
check "nothing ran" test ! -e "$T/pwned"
step "a kernel with no symbol list" 1 kabi-check "dkms_tiny/$v" -k "$K" -k 9.9.9-none
check "it says so" grep -qx "9.9.9-none: unknown: no Module.symvers or symvers.gz found" "$T/out"

# a Red Hat disk for a kABI range: its kmod RPM serves this kernel and later ones
if command -v rpmbuild >/dev/null && command -v createrepo_c >/dev/null; then
	step "mkdriverdisk -d redhat --kabi-range" 0 mkdriverdisk "dkms_tiny/$v" -d redhat -k "$K" --kabi-range
	iso=$T/tree/dkms_tiny/$v/driver_disk/dkms_tiny-$v-redhat-dd.iso
	next=$base-$((abi + 1))-$flavour
	step "checkdisk: the disk serves $next, a later kernel" 0 checkdisk "$iso" -k "$next"
	step "checkdisk: but not $Kprev, an earlier one" 1 checkdisk "$iso" -k "$Kprev"
else
	skip "mkdriverdisk -d redhat --kabi-range" "rpmbuild or createrepo_c missing"
fi
echo "1..$_tap_n"
