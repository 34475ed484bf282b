#!/bin/bash
# dkms mkbmdeb and mkdeb with real kbuild and the real dpkg-deb, in private
# trees: the tiny example module and megaraid_sas (Debian's linux-source,
# via examples/get-driver-source.sh). Packages are read back with ar,
# dpkg-deb -I/-f/-c/-x; the maintainer scripts pass sh -n and do what they
# say (depmod with the kernel, dkms add/install/remove); the source package
# is installed and removed with the real dpkg into a private root, its
# scripts calling this dkms on private trees. Failures: no dpkg-deb, an arch
# dpkg has no name for, a file name dpkg-deb refuses, a missing kernel: one
# "Error!" line, a non-zero exit, and no package or temp file left behind.
# MKDEB_DRIVERS="" skips megaraid_sas.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
if [[ -z $K ]]; then
	skip "mkdeb" "no kernel headers installed"
	exit 0
fi
for p in dpkg-deb dpkg ar; do
	command -v $p >/dev/null || { skip "mkdeb" "$p missing"; exit 0; }
done
K2=6.1.0-99-amd64 # a second kernel name on the same headers
mkdir -p "$T"/{src,tree,inst/"$K",inst/"$K2",etc,bin}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K2/build"
cat >"$T/os-release" <<'EOF'
ID=debian
VERSION_CODENAME=bookworm
EOF
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc try_sign_modules=false
unset sign_file post_transaction parallel_jobs DEBEMAIL DEBFULLNAME

step() {
	local name=$1 want=$2
	shift 2
	dk "$@"
	if [[ $rc == "$want" ]]; then ok "$name"; else
		not_ok "$name (exit $rc, want $want)"
		cat "$T/out" "$T/err" | tail -n 20 | diag
	fi
}
# field DEB NAME: one control field
field() { dpkg-deb -f "$1" "$2"; }
# no_temps DIR: nothing but .deb files (no .name.XXXXXX left by a failure)
no_temps() { [[ -z $(find "$1" -name '.*' -o -type f ! -name '*.deb' 2>/dev/null) ]]; }

cp -r "$TOP/examples/dkms_tiny" "$T/src/dkms_tiny-1.0"
step "add dkms_tiny" 0 add dkms_tiny/1.0

# ---- mkbmdeb ----
TINY=dkms-tiny-modules-${K}_1.0_amd64.deb
BM=$T/tree/dkms_tiny/1.0/bmdeb
step "mkbmdeb builds what is missing and packages it" 0 mkbmdeb dkms_tiny/1.0 -k "$K"
expect_same "mkbmdeb prints where the package is" <(echo "Package location: $BM/$TINY") <(tail -n 1 "$T/out")
check "the build came first" grep -qx "Building module(s)... done." "$T/out"
D=$BM/$TINY
expect_same "ar members: debian-binary, control.tar.gz (gzip, as d-i's reader needs), data" \
	<(printf 'debian-binary\ncontrol.tar.gz\ndata.tar.gz\n') <(ar t "$D")
check "control.tar.gz is gzip" sh -c "ar p '$D' control.tar.gz | gzip -t"
{
	echo "Package: dkms-tiny-modules-$K"
	echo "Version: 1.0"
	echo "Architecture: amd64"
	echo "Depends: linux-image-$K | linux-image-unsigned-$K"
	echo "Provides: dkms-tiny-modules"
	echo "Section: kernel"
} >"$T/want.fields"
dpkg-deb -f "$D" Package Version Architecture Depends Provides Section >"$T/got.fields"
expect_same "mkbmdeb control fields" "$T/want.fields" "$T/got.fields"
check "Installed-Size is counted" test "$(field "$D" Installed-Size)" -ge 9
dpkg-deb -c "$D" | awk '{print $2, $6}' >"$T/contents"
{
	for d in ./ ./lib/ ./lib/modules/ "./lib/modules/$K/" "./lib/modules/$K/updates/" "./lib/modules/$K/updates/dkms/"; do
		echo "root/root $d"
	done
	echo "root/root ./lib/modules/$K/updates/dkms/dkms_tiny.ko"
} >"$T/want.contents"
expect_same "mkbmdeb files: the module at Debian's dkms destination, owned by root" "$T/want.contents" "$T/contents"
mkdir "$T/x" && dpkg-deb -x "$D" "$T/x"
check "the packaged module is the built one" cmp "$T/x/lib/modules/$K/updates/dkms/dkms_tiny.ko" \
	"$T/tree/dkms_tiny/1.0/$K/x86_64/module/dkms_tiny.ko"
check "the packaged module was built for $K" sh -c \
	"modinfo -F vermagic '$T/x/lib/modules/$K/updates/dkms/dkms_tiny.ko' | grep -q '^$K '"
dpkg-deb -e "$D" "$T/ctl"
check "postinst and postrm are sh" sh -c "sh -n '$T/ctl/postinst' && sh -n '$T/ctl/postrm'"
check "postinst and postrm are executable" test -x "$T/ctl/postinst" -a -x "$T/ctl/postrm"
# the scripts against a depmod that records its arguments (the real one would change the host)
printf '#!/bin/sh\necho "$*" >>"%s/depmod.log"\n' "$T" >"$T/bin/depmod"
chmod +x "$T/bin/depmod"
script() { PATH=$T/bin:$PATH sh "$T/ctl/$1" "$2"; }
script postinst configure
script postrm remove
script postrm purge
script postrm upgrade
if [[ -d /lib/modules/$K/kernel ]]; then
	expect_same "depmod -a $K on configure and remove only" <(printf -- '-a %s\n-a %s\n' "$K" "$K") "$T/depmod.log"
else
	expect_same "no depmod for a kernel that is not installed" /dev/null "$T/depmod.log"
fi

step "mkbmdeb for two kernels into --archive" 0 mkbmdeb dkms_tiny/1.0 -k "$K" -k "$K2" --archive "$T/arch"
expect_same "one package per kernel" \
	<(printf '%s\n' "dkms-tiny-modules-${K}_1.0_amd64.deb" "dkms-tiny-modules-${K2}_1.0_amd64.deb") \
	<(ls "$T/arch")
check "the second package carries the second kernel's path" sh -c \
	"dpkg-deb -c '$T/arch/dkms-tiny-modules-${K2}_1.0_amd64.deb' | grep -q ' ./lib/modules/$K2/updates/dkms/dkms_tiny.ko$'"
check "--archive leaves the tree's bmdeb/ alone" test "$(ls "$BM")" = "$TINY"

# failures leave nothing
step "mkbmdeb with an arch dpkg has no name for fails" 1 mkbmdeb dkms_tiny/1.0 -k "$K/x86_64" -k "$K2/pdp11" --archive "$T/fail1"
expect_same "it says so in one line" <(printf '\nError! No Debian architecture is known for pdp11 (kernel %s).\n' "$K2") "$T/err"
check "and writes no package, not even the good kernel's" test ! -e "$T/fail1"
PATH=/nonexistent "$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" \
	mkbmdeb dkms_tiny/1.0 -k "$K" --archive "$T/fail2b" >"$T/out" 2>"$T/err"
rc=$?
if [[ $rc == 1 ]]; then ok "without dpkg-deb: exit 1"; else not_ok "without dpkg-deb: exit 1 (got $rc)"; fi
expect_same "without dpkg-deb: one clear line" \
	<(printf '\nError! dpkg-deb was not found in PATH: install dpkg to make .deb packages.\n') "$T/err"
check "without dpkg-deb: no output dir" test ! -e "$T/fail2b"
step "mkbmdeb for a kernel without headers" 21 mkbmdeb dkms_tiny/1.0 -k 6.1.0-0-none --archive "$T/fail3"
check "no package for it" test ! -e "$T/fail3"
step "mkbmdeb of a package not in the tree" 3 mkbmdeb nosuch/1.0 -k "$K"
grep -q "Error! The module/version combo: nosuch/1.0 is not located in the DKMS tree." "$T/err" &&
	ok "not in the tree: dkms's message" || not_ok "not in the tree: dkms's message"

# ---- mkdeb ----
SRC=dkms-tiny-dkms_1.0_all.deb
step "mkdeb" 0 mkdeb dkms_tiny/1.0
S=$T/tree/dkms_tiny/1.0/deb/$SRC
expect_same "mkdeb prints where the package is" <(echo "Package location: $S") "$T/out"
expect_same "mkdeb ar members" <(printf 'debian-binary\ncontrol.tar.gz\ndata.tar.gz\n') <(ar t "$S")
{
	echo "Package: dkms-tiny-dkms"
	echo "Version: 1.0"
	echo "Architecture: all"
	echo "Depends: dkms"
	echo "Provides: dkms-tiny-modules (= 1.0)"
} >"$T/want.fields"
dpkg-deb -f "$S" Package Version Architecture Depends Provides >"$T/got.fields"
expect_same "mkdeb control fields" "$T/want.fields" "$T/got.fields"
dpkg-deb -c "$S" | awk '$1 ~ /^-/ {print $6}' >"$T/contents"
expect_same "mkdeb carries the source in /usr/src/<m>-<v>/" \
	<(printf './usr/src/dkms_tiny-1.0/%s\n' Makefile dkms.conf dkms_tiny.c) "$T/contents"
rm -rf "$T/x" && mkdir "$T/x" && dpkg-deb -x "$S" "$T/x"
check "the source is the tree's source" diff -r "$T/src/dkms_tiny-1.0" "$T/x/usr/src/dkms_tiny-1.0"
rm -rf "$T/ctl" && dpkg-deb -e "$S" "$T/ctl"
check "postinst and prerm are sh" sh -c "sh -n '$T/ctl/postinst' && sh -n '$T/ctl/prerm'"
step "mkdeb --archive" 0 mkdeb dkms_tiny/1.0 --archive "$T/srcdeb"
check "mkdeb --archive writes there" test -f "$T/srcdeb/$SRC"

# Install it with the real dpkg into a private root; its scripts run this
# dkms on private trees (framework.conf in DKMS_ETC_DIR points them there).
R=$T/root
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$T/etc2" "$T/tree2" "$T/bin2"
touch "$R/var/lib/dpkg/status"
ln -s "$DKMS_BIN" "$T/bin2/dkms"
printf 'dkms_tree=%s\nsource_tree=%s\ninstall_tree=%s\n' "$T/tree2" "$R/usr/src" "$T/inst" >"$T/etc2/framework.conf"
pdpkg() { DKMS_ETC_DIR=$T/etc2 PATH=$T/bin2:$PATH dpkg --root="$R" --force-script-chrootless --force-depends "$@" >"$T/dpkg.out" 2>&1; }
status2() { DKMS_ETC_DIR=$T/etc2 "$DKMS_BIN" status dkms_tiny/1.0; }
if pdpkg -i "$S"; then ok "dpkg -i the source package"; else not_ok "dpkg -i the source package"; diag <"$T/dpkg.out"; fi
check "its files are in the root" test -f "$R/usr/src/dkms_tiny-1.0/dkms.conf"
if [[ ! -e /lib/modules/$(uname -r)/build/include ]]; then
	expect_same "postinst added it, and skipped the build: no headers for the running kernel" \
		<(echo "dkms_tiny/1.0: added") <(status2)
	check "postinst says why" grep -q "dkms: no headers for kernel $(uname -r): dkms_tiny/1.0 is built when they are installed." "$T/dpkg.out"
else
	skip "postinst without headers" "the running kernel has headers"
fi
if pdpkg -r dkms-tiny-dkms; then ok "dpkg -r"; else not_ok "dpkg -r"; diag <"$T/dpkg.out"; fi
expect_same "prerm removed it from dkms" /dev/null <(status2)
check "and dpkg removed the source" test ! -e "$R/usr/src/dkms_tiny-1.0"
# The build branch needs a running kernel with headers: uname -r answers $K.
printf '#!/bin/sh\n[ "$1" = -r ] && { echo %s; exit 0; }\nexec /bin/uname "$@"\n' "$K" >"$T/bin2/uname"
chmod +x "$T/bin2/uname"
if pdpkg -i "$S"; then ok "dpkg -i on a kernel with headers"; else not_ok "dpkg -i on a kernel with headers"; diag <"$T/dpkg.out"; fi
expect_same "postinst built and installed it for the running kernel" \
	<(echo "dkms_tiny/1.0, $K, x86_64: installed") <(status2)
check "the module is in the install tree" test -f "$T/inst/$K/updates/dkms/dkms_tiny.ko"
if pdpkg -r dkms-tiny-dkms; then ok "dpkg -r again"; else not_ok "dpkg -r again"; diag <"$T/dpkg.out"; fi
expect_same "prerm removed every kernel's build" /dev/null <(status2)
check "and the module left the install tree" test ! -e "$T/inst/$K/updates/dkms/dkms_tiny.ko"

# a file name dpkg-deb refuses: its error, nothing left
cp -r "$T/src/dkms_tiny-1.0" "$T/src/dkms_tiny-2.0"
sed -i 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="2.0"/' "$T/src/dkms_tiny-2.0/dkms.conf"
touch "$T/src/dkms_tiny-2.0/bad
name"
step "add 2.0" 0 add dkms_tiny/2.0
step "mkdeb: dpkg-deb fails on a newline in a file name" 1 mkdeb dkms_tiny/2.0 --archive "$T/fail4"
expect_same "it says what dpkg-deb said, in one line" \
	<(printf "\nError! dpkg-deb failed to build dkms-tiny-dkms_2.0_all.deb: dpkg-deb: error: newline not allowed in pathname './usr/src/dkms_tiny-2.0/bad name'\n") "$T/err"
check "no package, no temp file" test ! -e "$T/fail4"
mkdir "$T/fail5"
step "the same into an existing dir" 1 mkdeb dkms_tiny/2.0 --archive "$T/fail5"
check "leaves it empty" test -z "$(ls -A "$T/fail5")"
check "no temp dir left in TMPDIR" test -z "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'dkms-mk*deb.*' -newer "$T/os-release" 2>/dev/null)"
outputs_clean() { no_temps "$BM" && no_temps "$T/tree/dkms_tiny/1.0/deb" && no_temps "$T/arch"; }
check "no temp file among the packages" outputs_clean

# ---- megaraid_sas ----
if [[ -n ${MKDEB_DRIVERS-megaraid_sas} ]]; then
	if SRCDIR=$("$TOP/examples/get-driver-source.sh" megaraid_sas 2>"$T/get.err"); then
		V=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$SRCDIR/dkms.conf")
		cp -r "$SRCDIR" "$T/src/megaraid_sas-$V"
		step "add megaraid_sas $V" 0 add "megaraid_sas/$V"
		# dkms_tiny above proves mkbmdeb builds what is missing; the driver
		# comes built (once a run: tests/lib.sh dk_build)
		start=$SECONDS
		step_built "build megaraid_sas $V" "megaraid_sas/$V" "$K"
		step "mkbmdeb megaraid_sas" 0 mkbmdeb "megaraid_sas/$V" -k "$K"
		echo "# megaraid_sas build + package: $((SECONDS - start)) s"
		MD=$T/tree/megaraid_sas/$V/bmdeb/megaraid-sas-modules-${K}_${V}_amd64.deb
		check "package named megaraid-sas-modules-$K" test -f "$MD"
		check "the module at Debian's destination (DEST_MODULE_LOCATION overridden)" sh -c \
			"dpkg-deb -c '$MD' | grep -q ' ./lib/modules/$K/updates/dkms/megaraid_sas.ko$'"
		rm -rf "$T/x" && mkdir "$T/x" && dpkg-deb -x "$MD" "$T/x"
		check "it is megaraid_sas with PCI aliases" sh -c \
			"modinfo -F alias '$T/x/lib/modules/$K/updates/dkms/megaraid_sas.ko' | grep -q '^pci:v00001000d'"
		step "mkdeb megaraid_sas" 0 mkdeb "megaraid_sas/$V"
		check "its source package carries dkms.conf" sh -c \
			"dpkg-deb -c '$T/tree/megaraid_sas/$V/deb/megaraid-sas-dkms_${V}_all.deb' | grep -q ' ./usr/src/megaraid_sas-$V/dkms.conf$'"
	else
		skip "megaraid_sas" "no driver source: $(tail -n 1 "$T/get.err")"
	fi
fi
echo "1..$_tap_n"
