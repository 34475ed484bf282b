#!/bin/bash
# One `dkms build -k A -k B` for two kernels built with different toolchains:
# A's config says clang and ld.lld (CONFIG_CC_IS_CLANG, CONFIG_LD_IS_LLD, its
# .kernelvariables CC = clang), B is Debian's gcc-12 kernel as installed.
# Both are copies of the installed real headers; the module is the tiny
# example with a Makefile that prints the environment make was started in.
# Each build must see its own kernel's CC/KERNEL_CC/LD/KERNEL_LD (dkms's
# exports) and kernelver, nothing carried over from the other kernel's build
# in the same run, and the .ko must come from that compiler (its .comment)
# with that kernel's vermagic.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
ARCH=$(uname -m)
H=/usr/src/linux-headers-$K
if [[ -z $K ]]; then
	skip "two toolchains in one run" "no kernel headers installed"
	exit 0
fi
for p in clang ld.lld llvm-strip gcc-12; do
	if ! command -v $p >/dev/null; then
		skip "two toolchains in one run" "$p not installed (scripts/install-deps.sh)"
		exit 0
	fi
done
KBUILD=$(readlink -f "$H/scripts")
KBUILD=${KBUILD%/scripts}
KA=$K-clangtest KB=$K-gcctest

# headers_copy VERSION: a copy of the real headers as <installtree>/VERSION/build
headers_copy() {
	local dir=$T/inst/$1/build
	mkdir -p "$T/inst/$1"
	cp -a "$H" "$dir"
	rm "$dir/scripts" "$dir/tools"
	ln -s "$KBUILD/scripts" "$dir/scripts"
	ln -s "$KBUILD/tools" "$dir/tools"
	# a kernel of that name: its release in the headers, vermagic from it
	sed -i "s/^override KERNELRELEASE = .*/override KERNELRELEASE = $1/" "$dir/.kernelvariables"
	echo "#define UTS_RELEASE \"$1\"" >"$dir/include/generated/utsrelease.h"
}
headers_copy "$KB"
headers_copy "$KA"
# A: a clang/lld kernel. The gcc-only options Debian's config selects go, as
# Kconfig would drop them for clang.
A=$T/inst/$KA/build
sed -i 's/gcc-12$/clang/' "$A/.kernelvariables"
sed -i -e 's/^CONFIG_CC_IS_GCC=y$/CONFIG_CC_IS_CLANG=y/' \
	-e 's/^CONFIG_LD_IS_BFD=y$/CONFIG_LD_IS_LLD=y/' \
	-e 's/^CONFIG_CC_VERSION_TEXT=.*/CONFIG_CC_VERSION_TEXT="Debian clang version 14"/' \
	-e 's/^CONFIG_GCC_VERSION=.*/CONFIG_GCC_VERSION=0/' \
	-e 's/^CONFIG_CLANG_VERSION=.*/CONFIG_CLANG_VERSION=140006/' \
	-e 's/^CONFIG_CC_IMPLICIT_FALLTHROUGH=.*/CONFIG_CC_IMPLICIT_FALLTHROUGH=-Wimplicit-fallthrough/' \
	-e 's/^CONFIG_FTRACE_MCOUNT_USE_CC=y/CONFIG_FTRACE_MCOUNT_USE_OBJTOOL=y/' \
	-e '/^CONFIG_INIT_STACK_ALL_ZERO=/d' -e '/^CONFIG_RETHUNK=/d' \
	"$A/include/config/auto.conf"

M=$T/tiny-1.0
mkdir -p "$M" "$T/tree" "$T/src" "$T/etc"
cp "$TOP/examples/dkms_tiny/dkms_tiny.c" "$M/"
cat >"$M/Makefile" <<'MK'
obj-m := dkms_tiny.o
ifeq ($(MAKELEVEL),0)
$(info seen-env: CC=$(shell printenv CC) KERNEL_CC=$(shell printenv KERNEL_CC) LD=$(shell printenv LD) KERNEL_LD=$(shell printenv KERNEL_LD) kernelver=$(shell printenv kernelver))
endif
all:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
MK
cat >"$M/dkms.conf" <<'CONF'
PACKAGE_NAME="dkms_tiny"
PACKAGE_VERSION="1.0"
BUILT_MODULE_NAME[0]="dkms_tiny"
DEST_MODULE_LOCATION[0]="/extra"
MAKE[0]="make KDIR=${kernel_source_dir}"
CONF
export DKMS_ETC_DIR=$T/etc try_sign_modules=false
# dkms replaces the caller's CC (and passes LD on when the kernel names none)
export CC=/nonexistent-cc
unset LD KERNEL_CC KERNEL_LD sign_file post_transaction parallel_jobs

step "add" 0 add "$M"
step "build -k $KA -k $KB (clang kernel first, gcc kernel second)" 0 build -k "$KA" -k "$KB" dkms_tiny/1.0
cat "$T/out" "$T/err" | tail -n 20 | diag

logA=$T/tree/dkms_tiny/1.0/$KA/$ARCH/log/make.log
logB=$T/tree/dkms_tiny/1.0/$KB/$ARCH/log/make.log
koA=$T/tree/dkms_tiny/1.0/$KA/$ARCH/module/dkms_tiny.ko
koB=$T/tree/dkms_tiny/1.0/$KB/$ARCH/module/dkms_tiny.ko

seen() { grep '^seen-env: ' "$1"; }
echo "seen-env: CC=clang KERNEL_CC=clang LD=ld.lld KERNEL_LD=ld.lld kernelver=$KA" >"$T/wantA"
echo "seen-env: CC=gcc-12 KERNEL_CC=gcc-12 LD= KERNEL_LD= kernelver=$KB" >"$T/wantB"
seen "$logA" >"$T/seenA"
seen "$logB" >"$T/seenB"
expect_same "clang kernel: make saw CC/KERNEL_CC=clang, LD/KERNEL_LD=ld.lld, its kernelver" "$T/wantA" "$T/seenA"
expect_same "gcc kernel after it: CC/KERNEL_CC=gcc-12, no LD carried over, CC unset from the caller" "$T/wantB" "$T/seenB"
check "clang kernel's make got LLVM=1" grep -q '^# command: make .* LLVM=1$' "$logA"
check "gcc kernel's make did not" bash -c "! grep -q 'LLVM=1' '$logB'"

comment() { readelf -p .comment "$1" | sed -n 's/^ *\[ *[0-9a-f]*\] *//p'; }
check "clang kernel's module compiled by clang" bash -c "readelf -p .comment '$koA' | grep -q 'clang version' && ! readelf -p .comment '$koA' | grep -q 'GCC:'"
check "gcc kernel's module compiled by gcc" bash -c "readelf -p .comment '$koB' | grep -q 'GCC: (Debian' && ! readelf -p .comment '$koB' | grep -q clang"
check "vermagic of each names its kernel" bash -c "[[ \$(modinfo -F vermagic '$koA') == '$KA '* && \$(modinfo -F vermagic '$koB') == '$KB '* ]]"
check "the clang module was stripped with llvm-strip (no debug info)" bash -c "! readelf -S '$koA' | grep -q '\.debug_'"

# the other order: the gcc kernel first must not give the clang kernel gcc's CC
step "remove --all" 0 remove --all dkms_tiny/1.0
step "add again" 0 add "$M"
step "build -k $KB -k $KA (gcc kernel first)" 0 build -k "$KB" -k "$KA" dkms_tiny/1.0
seen "$logA" >"$T/seenA"
seen "$logB" >"$T/seenB"
expect_same "clang kernel after the gcc one: its own toolchain" "$T/wantA" "$T/seenA"
expect_same "gcc kernel first: its own toolchain" "$T/wantB" "$T/seenB"
echo "1..$_tap_n"
