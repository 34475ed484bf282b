#!/bin/bash
# Real builds with real kbuild against the installed kernel headers, in private
# trees: the tiny example module (signed and unsigned), megaraid_sas and
# qla2xxx (from Debian's linux-source-6.1, via examples/get-driver-source.sh).
# Each goes add -> build -> install --no-depmod -> uninstall -> remove, with
# exact status lines, exit codes, make.log, the built module's vermagic, name
# and signature, and the Debian destination (updates/dkms). Then the failure
# paths: a broken .c (exit 10, message points at make.log) and a kernel with
# no headers (exit 21, nothing left behind).
#
# DKMS_BIN selects the program (default build/dkms). The reference dkms 3.4.3
# passes all but "nothing left behind" (it leaves an empty build/). Build
# times go to TAP comments. REAL_BUILDS_DRIVERS="megaraid_sas" limits the
# driver part, "" skips it.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
ARCH=$(uname -m)
if [[ -z $K ]]; then
	skip "real builds" "no kernel headers installed"
	exit 0
fi
if [[ ! -x $DKMS_BIN ]]; then
	not_ok "dkms program $DKMS_BIN exists"
	exit 1
fi

mkdir -p "$T"/{src,tree,inst/"$K",etc}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
cat >"$T/os-release" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION_CODENAME=bookworm
ID=debian
EOF
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub try_sign_modules=false
unset sign_file post_transaction parallel_jobs
SIGNER="dkms real-builds test key"
openssl req -x509 -nodes -days 36500 -newkey rsa:2048 -subj "/CN=$SIGNER" \
	-addext extendedKeyUsage=codeSigning -outform DER \
	-keyout "$mok_signing_key" -out "$mok_certificate" >/dev/null 2>&1 ||
	not_ok "generate a MOK key with openssl"

# status_is NAME M V EXPECTED: `dkms status -m M -v V` prints exactly EXPECTED.
status_is() {
	local name=$1 m=$2 v=$3
	printf '%s' "$4" >"$T/status.want"
	[[ -n $4 ]] && echo >>"$T/status.want"
	dk status -m "$m" -v "$v"
	expect_same "$name" "$T/status.want" "$T/out"
}

signed() { [[ $(tail -c 28 "$1" | tr -d '\0') == '~Module signature appended~' ]]; }

# make_log_ok LOG M V: dkms's make.log layout.
make_log_ok() {
	local log=$1 m=$2 v=$3
	[[ -s $log ]] || { echo "no $log"; return 1; }
	head -n1 "$log" | grep -qxE "DKMS \(dkms-[0-9][^)]*\) make\.log for $m/$v for kernel $K \($ARCH\)" ||
		{ echo "bad header: $(head -n1 "$log")"; return 1; }
	sed -n 2p "$log" | grep -q '[0-9]' || { echo "no date line"; return 1; }
	grep -q '^# command: ' "$log" || { echo "no '# command:' line"; return 1; }
	grep -qx '# exit code: 0' "$log" || { echo "no '# exit code: 0' line"; return 1; }
	grep -qxE '# elapsed time: [0-9]{2}:[0-9]{2}:[0-9]{2}' "$log" || { echo "no elapsed time"; return 1; }
	grep -qx -- '----------------------------------------------------------------' "$log" ||
		{ echo "no 64-dash separator"; return 1; }
}

# ko_ok KO NAME SIGN: vermagic for $K, module name, signature present or not.
ko_ok() {
	local ko=$1 name=$2 sign=$3 vm
	[[ -f $ko ]] || { echo "no $ko"; return 1; }
	vm=$(modinfo -F vermagic "$ko") || return 1
	[[ ${vm%% *} == "$K" ]] || { echo "vermagic '$vm', want $K"; return 1; }
	[[ $(modinfo -F name "$ko") == "$name" ]] || { echo "name '$(modinfo -F name "$ko")'"; return 1; }
	if [[ $sign == yes ]]; then
		signed "$ko" || { echo "$ko is not signed"; return 1; }
		[[ $(modinfo -F signer "$ko") == "$SIGNER" ]] || { echo "signer '$(modinfo -F signer "$ko")'"; return 1; }
	else
		! signed "$ko" || { echo "$ko is signed"; return 1; }
	fi
}

no_debug() { ! readelf -S "$1" | grep -q '\.debug_'; }

tiny_meta() {
	[[ $(modinfo -F version "$1") == 1.0 ]] &&
	[[ $(modinfo -F alias "$1") == 'pci:v00001234d0000D4C5sv*sd*bc*sc*i*' ]] &&
	[[ $(modinfo -F parm "$1") == 'greeting:Print a line when loaded (default 1) (int)' ]] ||
	{ modinfo "$1"; return 1; }
}

# tree_clean: no module left in the dkms tree (its lock file may stay), only
# build/ in the install tree.
tree_clean() {
	local left
	left=$(cd "$T/tree" && find . -mindepth 1 ! -path ./.dkms.lock | head)
	[[ -z $left ]] || { echo "left in the dkms tree:"; echo "$left"; return 1; }
	left=$(cd "$T/inst" && find . -mindepth 1 ! -path "./$K" ! -path "./$K/build" | head)
	[[ -z $left ]] || { echo "left in the install tree:"; echo "$left"; return 1; }
}

# lifecycle M V SRCDIR SIGN: the whole cycle for one module.
lifecycle() {
	local m=$1 v=$2 srcdir=$3 sign=$4 t0 secs
	local built=$T/tree/$m/$v/$K/$ARCH installed=$T/inst/$K/updates/dkms/$m.ko
	if [[ $sign == yes ]]; then try_sign_modules=true; else try_sign_modules=false; fi

	step "$m: add" 0 add "$srcdir"
	status_is "$m: status after add" "$m" "$v" "$m/$v: added"
	check "$m: source copied to the source tree" test -f "$T/src/$m-$v/dkms.conf"

	t0=$(date +%s.%N)
	step "$m: build -k $K" 0 build -k "$K" "$m/$v"
	secs=$(echo "$(date +%s.%N) - $t0" | bc)
	printf '%s build: %.1f s (sign=%s)\n' "$m" "$secs" "$sign" | diag
	status_is "$m: status after build" "$m" "$v" "$m/$v, $K, $ARCH: built"
	check "$m: make.log in dkms's format" make_log_ok "$built/log/make.log" "$m" "$v"
	check "$m: built module: vermagic $K, name $m, signed=$sign" ko_ok "$built/module/$m.ko" "$m" "$sign"
	check "$m: built module stripped of debug info (STRIP default)" no_debug "$built/module/$m.ko"
	[[ $m == dkms_tiny ]] &&
		check "$m: version, parameter and PCI alias kept" tiny_meta "$built/module/$m.ko"
	check "$m: no build dir left after a good build" test ! -e "$T/tree/$m/$v/build"

	step "$m: install --no-depmod" 0 install -k "$K" --no-depmod "$m/$v"
	status_is "$m: status after install" "$m" "$v" "$m/$v, $K, $ARCH: installed"
	check "$m: installed at <installtree>/$K/updates/dkms/$m.ko" cmp "$built/module/$m.ko" "$installed"
	check "$m: kernel link" test "$(readlink "$T/tree/$m/kernel-$K-$ARCH")" = "$v/$K/$ARCH"

	step "$m: uninstall" 0 uninstall -k "$K" "$m/$v"
	status_is "$m: status after uninstall" "$m" "$v" "$m/$v, $K, $ARCH: built"
	check "$m: installed module gone, empty dirs removed" test ! -e "$T/inst/$K/updates"

	step "$m: remove --all" 0 remove --all "$m/$v"
	status_is "$m: status after remove" "$m" "$v" ""
	check "$m: trees clean after remove" tree_clean
	check "$m: source tree kept" test -f "$T/src/$m-$v/dkms.conf"
}

# --- the tiny module, signed and unsigned ------------------------------------
lifecycle dkms_tiny 1.0 "$TOP/examples/dkms_tiny" yes
rm -rf "$T/src/dkms_tiny-1.0"
lifecycle dkms_tiny 1.0 "$TOP/examples/dkms_tiny" no
rm -rf "$T/src/dkms_tiny-1.0"
try_sign_modules=false

# --- build failure: exit 10, the message points at make.log -----------------
cp -r "$TOP/examples/dkms_tiny" "$T/broken"
sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="1.0.broken"/' "$T/broken/dkms.conf"
echo '#error broken on purpose' >>"$T/broken/dkms_tiny.c"
step "broken: add" 0 add "$T/broken"
step "broken: build exits 10" 10 build -k "$K" dkms_tiny/1.0.broken
log=$T/tree/dkms_tiny/1.0.broken/build/make.log
printf '\nError! Bad return status for module build on kernel: %s (%s)\nConsult %s for more information.\n' \
	"$K" "$ARCH" "$log" >"$T/err.want"
expect_same "broken: error message points at make.log" "$T/err.want" "$T/err"
check "broken: make.log holds the compiler error" grep -q 'broken on purpose' "$log"
status_is "broken: still only added" dkms_tiny 1.0.broken "dkms_tiny/1.0.broken: added"
check "broken: nothing built" test ! -e "$T/tree/dkms_tiny/1.0.broken/$K"
step "broken: remove --all" 0 remove --all dkms_tiny/1.0.broken
check "broken: trees clean after remove" tree_clean

# --- missing headers: exit 21, nothing left behind ---------------------------
NOK=6.1.0-0-noheaders
mkdir -p "$T/inst/$NOK"
step "no headers: add" 0 add "$TOP/examples/dkms_tiny"
step "no headers: build -k $NOK exits 21" 21 build -k "$NOK" dkms_tiny/1.0
cat >"$T/err.want" <<EOF

Error! Your kernel headers for kernel $NOK cannot be found at $T/inst/$NOK/build or $T/inst/$NOK/source.
Please install your distribution's kernel headers package matching $NOK, or use the --kernelsourcedir option to tell DKMS where it's located.
EOF
expect_same "no headers: error names the missing build dir" "$T/err.want" "$T/err"
# the tree is as add left it: source link and the (empty) build dir
only_source() { [[ $(cd "$T/tree/dkms_tiny/1.0" && ls -A | tr '\n' ' ') == "build source " && -z $(ls -A "$T/tree/dkms_tiny/1.0/build") ]] || { ls -lA "$T/tree/dkms_tiny/1.0"; return 1; }; }
check "no headers: nothing left behind" only_source
status_is "no headers: still only added" dkms_tiny 1.0 "dkms_tiny/1.0: added"
step "no headers: remove --all" 0 remove --all dkms_tiny/1.0
rmdir "$T/inst/$NOK"
check "no headers: trees clean after remove" tree_clean

# --- real drivers from Debian's linux-source-6.1 -----------------------------
# REAL_BUILDS_DRIVERS limits this part ("" skips it; qla2xxx takes ~40 s).
drivers=${REAL_BUILDS_DRIVERS-megaraid_sas qla2xxx}
if [[ -z $drivers ]]; then
	skip "driver builds" "REAL_BUILDS_DRIVERS is empty"
elif srcs=$("$TOP/examples/get-driver-source.sh" $drivers 2>"$T/get.err"); then
	readarray -t dirs <<<"$srcs"
	for dir in "${dirs[@]}"; do
		base=${dir##*/}
		m=${base%-*} v=${base##*-}
		sign=no
		[[ $m == megaraid_sas ]] && sign=yes
		lifecycle "$m" "$v" "$dir" "$sign"
	done
else
	diag <"$T/get.err"
	for m in $drivers; do skip "$m" "driver source unavailable (no network, empty cache)"; done
fi
