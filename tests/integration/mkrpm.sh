#!/bin/bash
# dkms mkrpm with real rpmbuild, in private trees, for the kernel whose headers
# are installed: the binary kmod RPM of dkms_tiny (built by mkrpm itself) and
# of megaraid_sas (Debian's linux-source-6.1, via examples/get-driver-source.sh),
# read back with real `rpm -qp`; its kernel-modules Provide judged by
# python3-rpm the way anaconda's dd_list judges it (satisfied by exactly this
# `uname -r`); both RPMs and the --source RPM installed into a private rpm root.
# Then the failures: rpmbuild missing, rpmbuild failing (the message names its
# log), a kernel without headers among the -k: nothing is left in the output dir.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
ARCH=$(uname -m)
PY=/usr/bin/python3
if [[ -z $K ]]; then
	skip "mkrpm" "no kernel headers installed"
	exit 0
fi
for p in rpmbuild rpm; do
	if ! command -v $p >/dev/null; then
		skip "mkrpm" "$p is not installed"
		exit 0
	fi
done

mkdir -p "$T"/{src,tree,inst/"$K",etc,root}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release"
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc try_sign_modules=false
unset sign_file post_transaction parallel_jobs

# is NAME EXPECTED ACTUAL-STRING
is() {
	if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1"; diff <(echo "$2") <(echo "$3") | diag; fi
}

qp() { rpm -qp --nosignature --nodigest "$@" 2>/dev/null; }

# dd_list's test, done by python3-rpm: does any kernel-modules Provide of the
# RPM fit this uname -r (rpmvercmp(uname, version) against the sense flags)?
dd_list_selects() {
	"$PY" - "$1" "$2" <<'EOF'
import os, sys, rpm
path, kernel = sys.argv[1], sys.argv[2]
ts = rpm.TransactionSet()
ts.setVSFlags(rpm._RPMVSF_NOSIGNATURES | rpm._RPMVSF_NODIGESTS)
with open(path, "rb") as f:
    h = ts.hdrFromFdno(f.fileno())
for name, flags, version in zip(h[rpm.RPMTAG_PROVIDENAME], h[rpm.RPMTAG_PROVIDEFLAGS],
                                h[rpm.RPMTAG_PROVIDEVERSION]):
    if name != "kernel-modules" or not version:
        continue
    r = rpm.labelCompare(("0", kernel, "0"), ("0", version, "0"))
    if (r < 0 and flags & rpm.RPMSENSE_LESS) or (r == 0 and flags & rpm.RPMSENSE_EQUAL) \
            or (r > 0 and flags & rpm.RPMSENSE_GREATER):
        print("selected")
        sys.exit(0)
print("skipped")
EOF
}

install_root() { rpm --root "$T/root" --nodeps --noscripts --force-debian -i "$@" 2>&1 | grep -v '^rpm: '; }

# kernel-modules = <K with each '-' after the first made '.'>
provide=$(echo "$K" | sed 's/-/./2g')

# --- dkms_tiny: mkrpm builds what is missing
cp -r "$TOP/examples/dkms_tiny" "$T/src/dkms_tiny-1.0"
step "add dkms_tiny" 0 add dkms_tiny/1.0
step "mkrpm dkms_tiny builds it first" 0 mkrpm dkms_tiny/1.0 -k "$K"
tiny=$T/tree/dkms_tiny/1.0/rpm/kmod-dkms_tiny-$K-1.0-1.$ARCH.rpm
is "mkrpm prints where the RPM is" "Package location: $tiny" "$(tail -n 1 "$T/out")"
check "dkms_tiny is built" test -d "$T/tree/dkms_tiny/1.0/$K/$ARCH/module"
is "kmod RPM name, version, arch" "kmod-dkms_tiny-$K 1.0-1 $ARCH" \
	"$(qp --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n' "$tiny")"
is "kmod RPM provides" "kernel-modules = $provide
kmod-dkms_tiny = 1.0-1
kmod-dkms_tiny-$K = 1.0-1
kmod-dkms_tiny-$K(x86-64) = 1.0-1" "$(qp --provides "$tiny")"
is "kmod RPM files" "/etc/depmod.d/dkms_tiny.conf
/lib/modules/$K/extra/dkms_tiny
/lib/modules/$K/extra/dkms_tiny/dkms_tiny.ko" "$(qp --list "$tiny")"
is "depmod.d: the weak-updates copy wins" "override dkms_tiny * weak-updates/dkms_tiny" \
	"$(rpm2cpio "$tiny" | cpio -i --quiet --to-stdout ./etc/depmod.d/dkms_tiny.conf)"
reqs() { qp --qf '[%{REQUIRENAME} %{REQUIREFLAGS:deptype}\n]' "$1" | grep -v '^rpmlib(\|^kernel('; }
is "kmod RPM requires the shell of its scriptlets" "/bin/sh post,interp
/bin/sh postun,interp" "$(reqs "$tiny")"
# kernel(<sym>) = <crc>: what the module imports (modprobe --dump-modversions) that the
# kernel exports (its Module.symvers), CRCs as there: find-requires.ksyms's rule
ksyms() {
	modprobe --dump-modversions "$1" |
		awk -F'\t' 'NR == FNR { crc[$2] = $1; next } ($2 in crc) { print "kernel(" $2 ") = " crc[$2] }' \
			"/usr/src/linux-headers-$K/Module.symvers" - | LC_ALL=C sort
}
ksyms "$T/tree/dkms_tiny/1.0/$K/$ARCH/module/dkms_tiny.ko" >"$T/ksyms.want"
qp --requires "$tiny" | grep '^kernel(' | LC_ALL=C sort >"$T/ksyms.got"
expect_same "Requires: kernel(<symbol>) = <crc> for each kernel symbol it imports" "$T/ksyms.want" "$T/ksyms.got"
check "and there are some" test -s "$T/ksyms.got"
check "%post links it into compatible kernels with weak-modules" grep -qxF \
	"if [ -x /usr/sbin/weak-modules ]; then printf '%s\\n' '/lib/modules/$K/extra/dkms_tiny/dkms_tiny.ko' | /usr/sbin/weak-modules --add-modules || :; fi" \
	<(qp --scripts "$tiny")
check "%postun takes the links away" grep -q "| /usr/sbin/weak-modules --remove-modules || :; fi" <(qp --scripts "$tiny")
is "gzip payload (every rpm and dd_extract read it)" "gzip" "$(qp --qf '%{PAYLOADCOMPRESSOR}' "$tiny")"
if [[ -x $PY ]] && "$PY" -c 'import rpm' 2>/dev/null; then
	is "python3-rpm: dd_list selects it for $K" selected "$(dd_list_selects "$tiny" "$K")"
	next=$(echo "$K" | awk -F- '{ $2 = $2 + 1; print }' OFS=-)
	is "python3-rpm: and not for $next" skipped "$(dd_list_selects "$tiny" "$next")"
	is "python3-rpm: nor for 6.1.0-9-amd64" skipped "$(dd_list_selects "$tiny" 6.1.0-9-amd64)"
else
	skip "python3-rpm: dd_list selects it" "python3-rpm is not installed"
fi
check "%post runs depmod for that kernel" grep -q "depmod -a '$K'" <(qp --scripts "$tiny")
step "mkrpm --kabi-range" 0 mkrpm dkms_tiny/1.0 -k "$K" --kabi-range --archive "$T/range"
ranged=$T/range/kmod-dkms_tiny-$K-1.0-1.$ARCH.rpm
is "--kabi-range: kernel-modules >= the kernel" "kernel-modules >= $provide" \
	"$(qp --provides "$ranged" | grep '^kernel-modules')"
if [[ -x $PY ]] && "$PY" -c 'import rpm' 2>/dev/null; then
	is "python3-rpm: dd_list selects the ranged RPM for $next too" selected "$(dd_list_selects "$ranged" "$next")"
	is "python3-rpm: but not for 6.1.0-9-amd64" skipped "$(dd_list_selects "$ranged" 6.1.0-9-amd64)"
fi
step "mkrpm again: the module is built, no rebuild" 0 mkrpm dkms_tiny/1.0 -k "$K"
is "no build output the second time" "Package location: $tiny" "$(cat "$T/out")"

# --- megaraid_sas
if src=$("$TOP/examples/get-driver-source.sh" megaraid_sas 2>"$T/fetch.err"); then
	ver=${src##*-}
	cp -r "$src" "$T/src/"
	step "add megaraid_sas" 0 add "megaraid_sas/$ver"
	start=$SECONDS
	step_built "build megaraid_sas" "megaraid_sas/$ver" "$K"
	echo "# megaraid_sas build: $((SECONDS - start)) s"
	start=$SECONDS
	step "mkrpm megaraid_sas" 0 mkrpm "megaraid_sas/$ver" -k "$K"
	echo "# mkrpm megaraid_sas: $((SECONDS - start)) s"
	mr=$T/tree/megaraid_sas/$ver/rpm/kmod-megaraid_sas-$K-$ver-1.$ARCH.rpm
	is "megaraid_sas kmod RPM name" "kmod-megaraid_sas-$K" "$(qp --qf '%{NAME}' "$mr")"
	is "megaraid_sas kernel-modules Provide" "kernel-modules = $provide" \
		"$(qp --provides "$mr" | grep '^kernel-modules')"
	is "megaraid_sas files" "/etc/depmod.d/megaraid_sas.conf
/lib/modules/$K/extra/megaraid_sas
/lib/modules/$K/extra/megaraid_sas/megaraid_sas.ko" "$(qp --list "$mr")"
	check "description names the driver" grep -q "megaraid_sas: Broadcom MegaRAID SAS Driver" \
		<(qp --qf '%{DESCRIPTION}' "$mr")
	install_root "$mr" >"$T/install.out"
	check "kmod RPM installs into a private root with the built module" \
		cmp "$T/root/lib/modules/$K/extra/megaraid_sas/megaraid_sas.ko" \
		"$T/tree/megaraid_sas/$ver/$K/$ARCH/module/megaraid_sas.ko"

	step "mkrpm --source megaraid_sas" 0 mkrpm "megaraid_sas/$ver" --source --archive "$T/srpm"
	sr=$T/srpm/megaraid_sas-dkms-$ver-1.noarch.rpm
	is "--source prints its RPM" "Package location: $sr" "$(cat "$T/out")"
	is "source RPM name and arch" "megaraid_sas-dkms $ver-1 noarch" \
		"$(qp --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n' "$sr")"
	is "source RPM requires dkms (and its scriptlets' shell)" "/bin/sh post,interp
/bin/sh preun,interp
dkms manual" "$(reqs "$sr")"
	is "source RPM scriptlets: dkms add, build, install; remove --all" "postinstall scriptlet (using /bin/sh):
dkms add -m 'megaraid_sas' -v '$ver' --rpm_safe_upgrade || :
dkms build -m 'megaraid_sas' -v '$ver' && dkms install -m 'megaraid_sas' -v '$ver' || :
preuninstall scriptlet (using /bin/sh):
dkms remove -m 'megaraid_sas' -v '$ver' --all --rpm_safe_upgrade || :" "$(qp --scripts "$sr")"
	check "source RPM lists /usr/src/megaraid_sas-$ver/dkms.conf" \
		grep -qx "/usr/src/megaraid_sas-$ver/dkms.conf" <(qp --list "$sr")
	install_root "$sr" >"$T/install.out"
	check "source RPM installs /usr/src/megaraid_sas-$ver, the package's source" \
		diff -r "$T/src/megaraid_sas-$ver" "$T/root/usr/src/megaraid_sas-$ver"
	check "--archive: nothing in the tree's rpm dir from --source" \
		test ! -e "$T/tree/megaraid_sas/$ver/rpm/megaraid_sas-dkms-$ver-1.noarch.rpm"
else
	skip "megaraid_sas" "no driver source: $(tail -n 1 "$T/fetch.err")"
fi

# --- failures leave the output dir as it was
out=$T/out-dir
mkdir -p "$out" && touch "$out/keep"
mkdir -p "$T/bin-none" "$T/bin-fail"
printf '#!/bin/sh\necho "error: Bad exit status from /var/tmp/rpm-tmp (%%install)" >&2\nexit 1\n' \
	>"$T/bin-fail/rpmbuild"
chmod +x "$T/bin-fail/rpmbuild"

PATH=$T/bin-none dk mkrpm dkms_tiny/1.0 -k "$K" --archive "$out"
is "rpmbuild missing: exit 1" 1 "$rc"
is "rpmbuild missing: one clear line" "
Error! rpmbuild is not installed; it is needed to make RPMs (Debian and Ubuntu: package rpm; Fedora and RHEL: rpm-build)." \
	"$(cat "$T/err")"
is "rpmbuild missing: output dir untouched" keep "$(ls "$out")"

log=$T/tree/dkms_tiny/1.0/$K/$ARCH/log/rpmbuild.log
PATH=$T/bin-fail:$PATH dk mkrpm dkms_tiny/1.0 -k "$K" --archive "$out"
is "rpmbuild failing: exit 1" 1 "$rc"
is "rpmbuild failing: the error names its log" "
Error! rpmbuild failed making kmod-dkms_tiny-$K (exit status 1).
Consult $log for more information." "$(cat "$T/err")"
check "rpmbuild failing: the log holds rpmbuild's output" grep -q "Bad exit status" "$log"
is "rpmbuild failing: output dir untouched" keep "$(ls "$out")"

dk mkrpm dkms_tiny/1.0 -k "$K" -k 6.1.0-99-amd64 --archive "$out"
is "a kernel without headers: exit 21" 21 "$rc"
is "a kernel without headers: no RPM for the other one either" keep "$(ls "$out")"

step "mkrpm of a package not added: exit 3" 3 mkrpm nosuch/1.0 -k "$K"
check "mkrpm of a package not added says so" grep -q "nosuch/1.0 is not located in the DKMS tree" "$T/err"

echo "1..$_tap_n"
