#!/bin/bash
# packaging/rpm/dkms-c.spec: rpmbuild builds an RPM of this program from a
# tarball of the tree, as on Fedora/RHEL (here with --nodeps: this machine's
# rpm database is empty, the build dependencies are Debian packages). The
# package is read back with rpm -qp: its exact file list, Provides dkms =
# the dkms version it is a drop-in for, Obsoletes dkms, the library
# Requires rpm found; its scriptlets are run with a stand-in systemctl on
# PATH that records its arguments (first install, upgrade, erase); and it is
# installed with rpm --root into a temp root (--noscripts --nodeps: the root
# has no /bin/sh), where the program runs and the hooks name the installed
# paths. About a minute (a full build).
. "$(dirname "$0")/../lib.sh"

for p in rpmbuild rpm tar; do
	command -v $p >/dev/null || { skip "rpm package" "$p missing"; exit 0; }
done
SPEC=$TOP/packaging/rpm/dkms-c.spec
V=$(sed -n 's/^Version: *//p' "$SPEC")
COMPAT=$(sed -n 's/^#define DKMS_VERSION_STRING "dkms-\(.*\)"/\1/p' "$TOP/dkms-core/context.h")
mkdir -p "$T/top/SOURCES"
(cd "$TOP" && tar --exclude=./build --exclude=./.git --exclude='./.cache' --transform "s|^\.|dkms-c-$V|" \
	-czf "$T/top/SOURCES/dkms-c-$V.tar.gz" .)
if nice rpmbuild -bb --nodeps --define "_topdir $T/top" "$SPEC" >"$T/build.log" 2>&1; then
	ok "rpmbuild -bb packaging/rpm/dkms-c.spec"
else
	not_ok "rpmbuild -bb packaging/rpm/dkms-c.spec"
	tail -n 30 "$T/build.log" | diag
	exit 1
fi
R=$(ls "$T"/top/RPMS/*/dkms-c-"$V"-1*.rpm)
check "one package, for this arch" test "$(echo "$R" | wc -l)" = 1 -a -f "$R"

cat >"$T/want.files" <<EOF
/etc/dkms
/etc/dkms/framework.conf
/etc/dkms/framework.conf.d
/etc/kernel/header_postinst.d
/etc/kernel/header_postinst.d/dkms
/etc/kernel/postinst.d
/etc/kernel/postinst.d/dkms
/etc/kernel/preinst.d
/etc/kernel/preinst.d/dkms
/etc/kernel/prerm.d
/etc/kernel/prerm.d/dkms
/usr/lib/dkms
/usr/lib/dkms/common.postinst
/usr/lib/dkms/dkms_autoinstaller
/usr/lib/kernel/install.d/40-dkms.install
/usr/lib/systemd/system/dkms.service
/usr/sbin/dkms
/usr/share/bash-completion/completions/dkms
/usr/share/dkms
/usr/share/dkms/framework.conf
/usr/share/doc/dkms-c-$V
/usr/share/doc/dkms-c-$V/README.md
/usr/share/man/man5/dkms.conf.5
/usr/share/man/man8/dkms.8
/var/lib/dkms
EOF
rpm -qpl "$R" 2>/dev/null | grep -v '^/usr/lib/\.build-id' >"$T/got.files"
expect_same "rpm -qpl: the program, hooks, kernel-install plugin, unit, common.postinst, docs" \
	"$T/want.files" "$T/got.files"
rpm -qp --provides "$R" >"$T/provides" 2>/dev/null
check "Provides: dkms = $COMPAT" grep -qx "dkms = $COMPAT" "$T/provides"
check "Obsoletes: dkms <= $COMPAT" sh -c "rpm -qp --obsoletes '$R' 2>/dev/null | grep -qx 'dkms <= $COMPAT'"
rpm -qp --requires "$R" >"$T/requires" 2>/dev/null
for dep in libkmod.so.2 libarchive.so.13 libblkid.so.1 make gcc kmod bash; do
	check "Requires $dep" grep -q "^$dep" "$T/requires"
done
check "framework.conf is %config(noreplace)" sh -c \
	"rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' '$R' 2>/dev/null | grep -qx 'cn /etc/dkms/framework.conf'"
check "the executables are 0755" sh -c "rpm -qp --qf '[%{FILEMODES:perms} %{FILENAMES}\n]' '$R' 2>/dev/null |
	grep -E ' /(usr/sbin/dkms|usr/lib/dkms/.*|usr/lib/kernel/install.d/40-dkms.install|etc/kernel/.*/dkms)$' |
	grep -vc '^-rwxr-xr-x' | grep -qx 0"

# the scriptlets, with a systemctl that records its calls
rpm -qp --scripts "$R" >"$T/scripts" 2>/dev/null
for s in postinstall preuninstall postuninstall; do
	check "rpm -qp --scripts shows a $s scriptlet" grep -q "^$s scriptlet (using /bin/sh):" "$T/scripts"
done
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "systemctl $*" >>"%s/calls"\n' "$T" >"$T/bin/systemctl"
chmod +x "$T/bin/systemctl"
scriptlet() { # TAG ARG: run the scriptlet as rpm would ($1 = instances left)
	: >"$T/calls"
	rpm -qp --qf "%{$1}" "$R" 2>/dev/null >"$T/s.sh"
	PATH=$T/bin:$PATH sh -e "$T/s.sh" "$2"
}
scriptlet POSTIN 1
expect_same "%post, first install: the unit follows the preset" \
	<(echo "systemctl --no-reload preset dkms.service") "$T/calls"
scriptlet POSTIN 2
expect_same "%post, upgrade: the admin's choice stays" /dev/null "$T/calls"
scriptlet PREUN 0
expect_same "%preun, erase: the unit is disabled" \
	<(echo "systemctl --no-reload disable dkms.service") "$T/calls"
scriptlet PREUN 1
expect_same "%preun, upgrade: nothing" /dev/null "$T/calls"
scriptlet POSTUN 0
expect_same "%postun: systemd reloads its units" <(echo "systemctl daemon-reload") "$T/calls"
check "no scriptlet removes /var/lib/dkms" sh -c "! grep -q 'rm .*/var/lib/dkms' '$T/scripts'"
rm -f "$T/bin/systemctl"
scriptlet POSTIN 1
check "%post without systemctl succeeds" test ! -s "$T/calls"

# installed into a temp root
mkdir -p "$T/root"
if rpm --root "$T/root" --define "_dbpath /var/lib/rpm" -i --nodeps --noscripts "$R" >"$T/inst.log" 2>&1; then
	ok "rpm --root installs it"
else
	not_ok "rpm --root installs it"; diag <"$T/inst.log"
fi
check "the installed dkms runs" sh -c "'$T/root/usr/sbin/dkms' --version | grep -qx 'dkms-$COMPAT'"
check "rpm -q --root knows it provides dkms" sh -c \
	"rpm --root '$T/root' --define '_dbpath /var/lib/rpm' -q --whatprovides dkms 2>/dev/null | grep -q '^dkms-c-$V'"
check "the kernel-install plugin calls the installed autoinstaller" \
	grep -q 'exec /usr/lib/dkms/dkms_autoinstaller start' "$T/root/usr/lib/kernel/install.d/40-dkms.install"
check "the unit runs the installed program" grep -q '/usr/lib/dkms/dkms_autoinstaller\|/usr/sbin/dkms' \
	"$T/root/usr/lib/systemd/system/dkms.service"
check "the kernel hooks name installed paths only" sh -c \
	"! grep -l '@[A-Z]*@' '$T'/root/etc/kernel/*/dkms '$T/root/usr/lib/dkms/common.postinst'"
check "its rpm database is inside the temp root" test -d "$T/root/var/lib/rpm"
