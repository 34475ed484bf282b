#!/bin/bash
# The program at home on a real Debian system, proved without touching it:
# everything below "the sandbox" runs in a private mount namespace whose /usr,
# /etc, /var and /boot are overlays with their upper layers in $T
# (dkms-behaviour.md §7), so dpkg, the kernel hooks, depmod and
# update-initramfs write there only. A checksum listing of the host's dkms
# files, kernel hooks, module tree, /boot and dpkg database, taken before and
# after, must match.
#
#  - the .deb: dpkg-buildpackage -b -us -uc on a copy of the tree; its
#    control fields and file list;
#  - make install with DESTDIR, for PREFIX=/usr and the default /usr/local,
#    from a clean copy: every file where it belongs, paths filled in;
#  - in the sandbox: Debian's dkms registers and installs examples/dkms_tiny;
#    the admin edits framework.conf; dpkg -i of our .deb replaces Debian's
#    dkms without a prompt, keeps the tree and the edit; our status reads the
#    tree; the kernel hooks (prerm.d, postinst.d, header_postinst.d through
#    the headers package's own postinst, preinst.d), kernel-install and its
#    plugin, and the systemd unit's command each remove or build and install
#    the module; the image postinst's run-parts makes an initrd that holds the
#    module (so the hook ran first); a real *-dkms package (v4l2loopback)
#    installs through common.postinst; dpkg -r, then Debian's dkms comes back
#    and reads the same tree.
#
# Needs root, unshare/nsenter and overlayfs, Debian's dkms installed (the
# package replaced), debhelper, kernel headers. About 2 minutes.
. "$(dirname "$0")/../lib.sh"

# Every setting the program reads from framework.conf (the table in
# dkms-core/framework.c) is described in data/framework.conf.
undocumented=
for s in $(grep -oE '\<[SB]\([a-z_]{2,}\)' "$TOP/dkms-core/framework.c" | sed 's/^.(\(.*\))$/\1/'); do
	grep -qE "^# $s=" "$TOP/data/framework.conf" || undocumented="$undocumented $s"
done
[[ -z $undocumented ]] && ok "data/framework.conf describes every setting framework.c reads" ||
	not_ok "data/framework.conf lacks:$undocumented"
grep -oE '\<[SB]\([a-z_]{2,}\)' "$TOP/dkms-core/framework.c" | wc -l | sed 's/^/# framework.c settings: /'

K=$(headers_kernel)
ARCH=$(uname -m)
SKIP_ALL=
[[ $(id -u) == 0 ]] || SKIP_ALL="needs root"
[[ -z $SKIP_ALL && -z $K ]] && SKIP_ALL="no kernel headers installed"
[[ -z $SKIP_ALL ]] && ! command -v dpkg-buildpackage >/dev/null && SKIP_ALL="dpkg-dev is not installed"
[[ -z $SKIP_ALL && ! -x /usr/bin/dh ]] && SKIP_ALL="debhelper is not installed"
[[ -z $SKIP_ALL ]] && ! dpkg-query -W -f='${Status}' dkms 2>/dev/null | grep -q 'install ok installed' &&
	SKIP_ALL="Debian's dkms (the package replaced) is not installed"
if [[ -n $SKIP_ALL ]]; then
	skip "packaging" "$SKIP_ALL"
	exit 0
fi

# --- the host, before -------------------------------------------------------
# What the sandbox could change if it leaked: file contents where small, names
# and sizes where large (the kernel's module tree).
host_listing() {
	local small=(/var/lib/dkms /etc/kernel /etc/dkms /usr/lib/dkms /usr/lib/kernel/install.d
		/usr/sbin/dkms /var/lib/dpkg/status /etc/initramfs-tools/modules /etc/systemd/system)
	{
		find "${small[@]}" -xdev -printf '%p %y %s %T@ %l\n' 2>/dev/null
		find "${small[@]}" -xdev -type f -exec md5sum {} + 2>/dev/null
		find /boot -maxdepth 2 -printf '%p %y %s %T@ %l\n' 2>/dev/null
		# contents, not times: another program's depmod may rewrite the same index
		find /lib/modules -maxdepth 6 -printf '%p %y %s %l\n' 2>/dev/null
		md5sum /lib/modules/*/modules.dep 2>/dev/null
		find /usr/src -maxdepth 2 -printf '%p %y %s %T@ %l\n' 2>/dev/null
	} | sort
}
host_listing >"$T/host.before"

# --- the .deb -----------------------------------------------------------------
# A copy of the tree as committed plus what is new and not ignored: the build
# writes build/ and debian/ files, never into the checkout.
copy_tree() {
	mkdir -p "$1"
	if git -C "$TOP" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do [[ -e $f && $f != .cache ]] && printf '%s\0' "$f"; done |
			tar --null -cf - -T -) | tar -C "$1" -xf -
	else
		tar -C "$TOP" --exclude=./build --exclude='./build-*' --exclude=./.cache -cf - . | tar -C "$1" -xf -
	fi
}
copy_tree "$T/pkg/src"
start=$SECONDS
# -Jauto: the package's build uses every CPU (DEB_BUILD_OPTIONS parallel=)
(cd "$T/pkg/src" && dpkg-buildpackage -b -us -uc -Jauto) >"$T/dpkg-buildpackage.log" 2>&1
rc=$?
DEB=$(ls "$T"/pkg/dkms-c_*.deb 2>/dev/null | head -1)
if [[ $rc == 0 && -f $DEB ]]; then
	ok "dpkg-buildpackage -b -us -uc -Jauto builds ${DEB##*/}"
	echo "# .deb built in $((SECONDS - start)) s"
else
	not_ok "dpkg-buildpackage -b -us -uc -Jauto (exit $rc)"
	tail -30 "$T/dpkg-buildpackage.log" | diag
	exit 1
fi
# The libraries the Makefile links come from install-deps.sh's build list;
# the package's Build-Depends must name each (gcc and make: build-essential;
# cmocka: unit tests only).
missing=
for p in $(sed -n '/^build_pkgs="/,/"$/p' "$TOP/scripts/install-deps.sh" | tr -d '"' | sed 's/^build_pkgs=//'); do
	case $p in gcc | make | libcmocka-dev) continue ;; esac
	sed -n '/^Build-Depends:/,/^[^ ]/p' "$TOP/debian/control" | grep -qw -- "$p" || missing="$missing $p"
done
[[ -z $missing ]] && ok "debian/control Build-Depends has every build package of install-deps.sh" ||
	not_ok "debian/control Build-Depends lacks:$missing"
COMPAT=$(sed -n 's/^#define DKMS_VERSION_STRING "dkms-\(.*\)"/\1/p' "$TOP/dkms-core/context.h")
printf 'Provides: dkms (= %s)\nConflicts: dkms\nReplaces: dkms\n' "$COMPAT" >"$T/want.fields"
dpkg-deb -f "$DEB" Provides Conflicts Replaces >"$T/got.fields"
expect_same "the .deb stands in for dkms: Provides/Conflicts/Replaces" "$T/want.fields" "$T/got.fields"

# The files every install puts in place (PREFIX=/usr), man pages and
# completions as the tree has them.
installed_files() { # $1 = prefix; $2 = systemd unit dir; $3 = kernel-install dir
	local p=$1
	printf '%s\n' /etc/dkms/framework.conf /etc/kernel/header_postinst.d/dkms \
		/etc/kernel/postinst.d/dkms /etc/kernel/preinst.d/dkms /etc/kernel/prerm.d/dkms \
		"$3/40-dkms.install" "$2/dkms.service" "$p/lib/dkms/common.postinst" \
		"$p/lib/dkms/dkms_autoinstaller" "$p/sbin/dkms" "$p/share/dkms/framework.conf"
	for m in "$TOP"/man/*.[1-9]; do
		[[ -e $m ]] && echo "$p/share/man/man${m##*.}/${m##*/}"
	done
	for c in dkms dkms.bash dkms.bash-completion; do
		[[ -e $TOP/completion/$c ]] && { echo "$p/share/bash-completion/completions/dkms"; break; }
	done
	[[ -e $TOP/completion/_dkms ]] && echo "$p/share/zsh/site-functions/_dkms"
}
{
	installed_files /usr /lib/systemd/system /usr/lib/kernel/install.d | sed 's|/share/man/\(.*\)|/share/man/\1.gz|'
	echo /usr/share/doc/dkms-c/changelog.gz
	echo /usr/share/doc/dkms-c/copyright
} | sort >"$T/want.deb-files"
dpkg-deb -c "$DEB" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' | sort >"$T/got.deb-files"
expect_same "the .deb holds the program, hooks, plugin, unit, framework.conf" "$T/want.deb-files" "$T/got.deb-files"
dpkg-deb -c "$DEB" | grep -q ' \./var/lib/dkms/$' && ok "the .deb owns /var/lib/dkms" ||
	not_ok "the .deb owns /var/lib/dkms"
dpkg-deb -I "$DEB" conffiles >"$T/got.conffiles"
printf '%s\n' /etc/dkms/framework.conf /etc/kernel/header_postinst.d/dkms /etc/kernel/postinst.d/dkms \
	/etc/kernel/preinst.d/dkms /etc/kernel/prerm.d/dkms >"$T/want.conffiles"
expect_same "the hooks and framework.conf are conffiles (the paths Debian's dkms ships)" \
	"$T/want.conffiles" "$T/got.conffiles"

# --- make install ---------------------------------------------------------------
copy_tree "$T/clean"
(cd "$T/clean" && nice make -j2 install DESTDIR="$T/root" PREFIX=/usr) >"$T/make-install.log" 2>&1
rc=$?
installed_files /usr /usr/lib/systemd/system /usr/lib/kernel/install.d | sort >"$T/want.usr"
(cd "$T/root" && find . ! -type d | sed 's/^\.//' | sort) >"$T/got.usr"
if [[ $rc == 0 ]]; then ok "make install DESTDIR PREFIX=/usr from a clean copy"; else
	not_ok "make install DESTDIR PREFIX=/usr (exit $rc)"; diag <"$T/make-install.log"; fi
expect_same "make install PREFIX=/usr: every file where it belongs" "$T/want.usr" "$T/got.usr"
[[ -d $T/root/var/lib/dkms && -d $T/root/etc/dkms/framework.conf.d ]] &&
	ok "make install makes /var/lib/dkms and framework.conf.d" ||
	not_ok "make install makes /var/lib/dkms and framework.conf.d"
check "installed hooks name the installed program" \
	grep -qx 'exec /usr/lib/dkms/dkms_autoinstaller start "$1"' "$T/root/etc/kernel/postinst.d/dkms"
check "the unit runs the installed program for the booting kernel" \
	grep -qx 'ExecStart=/usr/sbin/dkms autoinstall --kernelver %v' "$T/root/usr/lib/systemd/system/dkms.service"
bad=
for f in "$T"/root/etc/kernel/*/dkms "$T"/root/usr/lib/kernel/install.d/* "$T"/root/usr/lib/dkms/*; do
	sh -n "$f" 2>>"$T/shn" || bad="$bad ${f#"$T"/root}"
	grep -q '@[A-Z]*@' "$f" && bad="$bad ${f#"$T"/root}(placeholder)"
done
[[ -z $bad ]] && ok "installed scripts parse (sh -n) and have no @PLACEHOLDER@ left" ||
	{ not_ok "installed scripts parse and are filled in:$bad"; diag <"$T/shn"; }
# an admin's framework.conf survives the next make install
echo 'parallel_jobs=1 # the admin' >>"$T/root/etc/dkms/framework.conf"
cp "$T/root/etc/dkms/framework.conf" "$T/admin.conf"
(cd "$T/clean" && make install DESTDIR="$T/root" PREFIX=/usr) >"$T/make-install2.log" 2>&1
expect_same "a second make install keeps the admin's framework.conf" "$T/admin.conf" "$T/root/etc/dkms/framework.conf"
# the default prefix: /usr/local, hooks still in /etc/kernel (the kernel runs
# those), the plugin in /etc/kernel/install.d (kernel-install reads that)
(cd "$T/clean" && make install DESTDIR="$T/root-local") >"$T/make-install3.log" 2>&1
installed_files /usr/local /usr/local/lib/systemd/system /etc/kernel/install.d | sort >"$T/want.local"
(cd "$T/root-local" && find . ! -type d | sed 's/^\.//' | sort) >"$T/got.local"
expect_same "make install (PREFIX=/usr/local): every file where it belongs" "$T/want.local" "$T/got.local"
check "PREFIX=/usr/local hooks run /usr/local/sbin/dkms" \
	grep -q '^/usr/local/sbin/dkms kernel_prerm -k "$1"' "$T/root-local/etc/kernel/prerm.d/dkms"

# --- the sandbox ------------------------------------------------------------------
# One process holds a private mount namespace with the overlays; every step
# enters it with nsenter, in a clean environment like a package's scripts.
unshare -m --propagation private sleep infinity &
NS=$!
trap 'kill "$NS" 2>/dev/null; wait "$NS" 2>/dev/null; rm -rf "$T"' EXIT
sleep 0.2
ns() {
	nsenter -t "$NS" -m -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 TERM=dumb "$@"
}
for d in usr etc var boot; do
	mkdir -p "$T/ns/upper/$d" "$T/ns/work/$d"
	ns mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/ns/upper/$d,workdir=$T/ns/work/$d" "/$d" ||
		SKIP_NS="overlayfs over /$d failed"
done
if [[ -n ${SKIP_NS:-} ]] || [[ $(ns findmnt -n -o FSTYPE /usr) != overlay ]]; then
	skip "the sandbox" "${SKIP_NS:-no private overlay}"
	exit 0
fi
ok "sandbox: overlays over /usr /etc /var /boot in a private mount namespace"

# st: the status of dkms_tiny as whatever /usr/sbin/dkms is now
st() { ns /usr/sbin/dkms status dkms_tiny 2>&1; }
TINY_KO=/lib/modules/$K/updates/dkms/dkms_tiny.ko
INSTALLED="dkms_tiny/1.0, $K, $ARCH: installed"
ADDED="dkms_tiny/1.0: added"
# expect_status NAME WANT: status line and the module file agree with WANT
expect_status() {
	local name=$1 want=$2 got
	got=$(st)
	if [[ $got != "$want" ]]; then
		not_ok "$name (status: $got)"
	elif [[ $want == "$INSTALLED" ]] && ! ns test -f "$TINY_KO"; then
		not_ok "$name ($TINY_KO missing)"
	elif [[ $want == "$ADDED" ]] && ns test -e "$TINY_KO"; then
		not_ok "$name ($TINY_KO left behind)"
	else
		ok "$name"
	fi
}

# Debian's dkms registers the module and installs it for the kernel.
check "Debian's dkms adds examples/dkms_tiny" ns /usr/sbin/dkms add "$TOP/examples/dkms_tiny"
check "Debian's dkms installs it for $K" ns /usr/sbin/dkms install -m dkms_tiny -v 1.0 -k "$K"
expect_status "Debian's dkms: $INSTALLED" "$INSTALLED"
ns sh -c 'echo "parallel_jobs=2 # the admin" >>/etc/dkms/framework.conf'
ns cat /etc/dkms/framework.conf >"$T/fw.admin"
ns find /var/lib/dkms -printf '%p %y %s %T@ %l\n' | sort >"$T/tree.debian"

# Our package replaces Debian's: no prompt, no terminal needed.
expect_rc "dpkg -i replaces Debian's dkms (no conffile prompt)" 0 ns dpkg -i "$DEB" </dev/null
ns dpkg-query -W -f='${Package} ${Status}\n' dkms dkms-c >"$T/pkgs" 2>&1
grep -qx 'dkms-c install ok installed' "$T/pkgs" && ! grep -q '^dkms install ok installed' "$T/pkgs" &&
	ok "dkms-c installed, dkms removed" || { not_ok "dkms-c installed, dkms removed"; diag <"$T/pkgs"; }
[[ $(ns dpkg -S /usr/sbin/dkms) == "dkms-c: /usr/sbin/dkms" ]] && ok "/usr/sbin/dkms is ours" ||
	not_ok "/usr/sbin/dkms is ours ($(ns dpkg -S /usr/sbin/dkms))"
ns cat /etc/dkms/framework.conf >"$T/fw.after"
expect_same "the admin's framework.conf is kept" "$T/fw.admin" "$T/fw.after"
ns find /var/lib/dkms -printf '%p %y %s %T@ %l\n' | sort >"$T/tree.ours"
expect_same "/var/lib/dkms taken over as it is" "$T/tree.debian" "$T/tree.ours"
expect_status "our dkms status reads Debian's tree: $INSTALLED" "$INSTALLED"
run_parts=$(ns run-parts --test /etc/kernel/postinst.d | tr '\n' ' ')
[[ $run_parts == /etc/kernel/postinst.d/dkms\ */etc/kernel/postinst.d/initramfs-tools* ]] &&
	ok "run-parts order: dkms before initramfs-tools" || not_ok "run-parts order: $run_parts"

# The kernel hooks, as the kernel packages call them.
expect_rc "prerm.d/dkms $K" 0 ns /etc/kernel/prerm.d/dkms "$K"
expect_status "prerm.d: $ADDED, module file gone" "$ADDED"
ns grep -q dkms_tiny "/lib/modules/$K/modules.dep" && not_ok "prerm.d: depmod forgot dkms_tiny" ||
	ok "prerm.d: depmod forgot dkms_tiny"
expect_rc "postinst.d/dkms $K" 0 ns /etc/kernel/postinst.d/dkms "$K"
expect_status "postinst.d: $INSTALLED" "$INSTALLED"
check "postinst.d: modules.dep lists updates/dkms/dkms_tiny.ko" \
	ns grep -q '^updates/dkms/dkms_tiny.ko:' "/lib/modules/$K/modules.dep"
[[ $(ns modinfo -F vermagic "$TINY_KO") == "$K "* ]] && ok "postinst.d: built for $K (vermagic)" ||
	not_ok "postinst.d: built for $K (vermagic $(ns modinfo -F vermagic "$TINY_KO"))"
expect_rc "preinst.d/dkms $K (a reinstalled kernel)" 0 ns /etc/kernel/preinst.d/dkms "$K"
expect_status "preinst.d: AUTOINSTALL build dropped: $ADDED" "$ADDED"
if ns test -x "/var/lib/dpkg/info/linux-headers-$K.postinst"; then
	expect_rc "linux-headers-$K.postinst configure (runs header_postinst.d)" 0 \
		ns "/var/lib/dpkg/info/linux-headers-$K.postinst" configure
else
	expect_rc "header_postinst.d/dkms $K" 0 ns /etc/kernel/header_postinst.d/dkms "$K"
fi
expect_status "header_postinst.d: $INSTALLED" "$INSTALLED"
expect_rc "dkms_autoinstaller start on a kernel without headers" 0 ns /usr/lib/dkms/dkms_autoinstaller start "$K-noheaders"

# kernel-install: the plugin alone, then kernel-install itself (plugins in
# name order: 40-dkms before 50-depmod and the initrd and loader plugins).
expect_rc "40-dkms.install remove $K" 0 ns /usr/lib/kernel/install.d/40-dkms.install remove "$K" /boot/x
expect_status "40-dkms.install remove: $ADDED" "$ADDED"
expect_rc "40-dkms.install add $K" 0 ns /usr/lib/kernel/install.d/40-dkms.install add "$K" /boot/x "/boot/vmlinuz-$K"
expect_status "40-dkms.install add: $INSTALLED" "$INSTALLED"
if command -v kernel-install >/dev/null && [[ -f /boot/vmlinuz-$K ]]; then
	expect_rc "kernel-install remove $K" 0 ns kernel-install remove "$K"
	expect_status "kernel-install remove: $ADDED" "$ADDED"
	expect_rc "kernel-install add $K" 0 ns kernel-install add "$K" "/boot/vmlinuz-$K"
	expect_status "kernel-install add: $INSTALLED" "$INSTALLED"
else
	skip "kernel-install add/remove" "no kernel-install or no /boot/vmlinuz-$K"
fi

# The boot service: systemd is not PID 1 here, so its command runs by hand
# with %v (the booting kernel) set to K, after its conditions hold.
UNIT=/lib/systemd/system/dkms.service
if command -v systemd-analyze >/dev/null; then
	# offline: syntax, known keys, the program it runs exists (no output)
	out=$(ns systemd-analyze verify --man=no "$UNIT" 2>&1)
	rc=$?
	[[ $rc == 0 && -z $out ]] && ok "systemd-analyze verify dkms.service: clean" ||
		{ not_ok "systemd-analyze verify dkms.service (exit $rc)"; diag <<<"$out"; }
else
	skip "systemd-analyze verify dkms.service" "systemd-analyze not installed"
fi
ns test -L "/etc/systemd/system/multi-user.target.wants/dkms.service" &&
	ok "dkms.service enabled (multi-user.target.wants)" || not_ok "dkms.service enabled"
ns /etc/kernel/prerm.d/dkms "$K" >/dev/null 2>&1
cond_ok=1
while IFS= read -r c; do
	c=${c//%v/$K}
	if [[ $c == '!'* ]]; then ns test ! -e "${c#!}" || cond_ok=0; else ns test -e "$c" || cond_ok=0; fi
done < <(ns sed -n 's/^ConditionPathExists=//p' "$UNIT")
((cond_ok)) && ok "dkms.service conditions hold for $K" || not_ok "dkms.service conditions hold for $K"
exec_start=$(ns sed -n 's/^ExecStart=//p' "$UNIT")
read -r -a argv <<<"${exec_start//%v/$K}"
expect_rc "dkms.service ExecStart ($exec_start)" 0 ns "${argv[@]}"
expect_status "dkms.service: $INSTALLED" "$INSTALLED"

# The kernel image's postinst hooks, as linux-image runs them: the initrd
# it makes must hold the module, so the dkms hook ran before initramfs-tools.
if ns test -f "/boot/initrd.img-$K" && command -v lsinitramfs >/dev/null; then
	ns /etc/kernel/prerm.d/dkms "$K" >/dev/null 2>&1
	ns sh -c 'echo dkms_tiny >>/etc/initramfs-tools/modules'
	start=$SECONDS
	ns env DEB_MAINT_PARAMS=configure run-parts --report --exit-on-error --arg="$K" \
		--arg="/boot/vmlinuz-$K" /etc/kernel/postinst.d >"$T/run-parts.log" 2>&1
	rc=$?
	echo "# postinst.d (dkms + initramfs-tools) took $((SECONDS - start)) s"
	[[ $rc == 0 ]] && ok "linux-image postinst.d hooks run" ||
		{ not_ok "linux-image postinst.d hooks (exit $rc)"; tail -20 "$T/run-parts.log" | diag; }
	expect_status "postinst.d via run-parts: $INSTALLED" "$INSTALLED"
	ns lsinitramfs "/boot/initrd.img-$K" >"$T/initrd.list" 2>&1
	grep -q "lib/modules/$K/updates/dkms/dkms_tiny.ko" "$T/initrd.list" &&
		ok "the new initrd holds updates/dkms/dkms_tiny.ko" ||
		not_ok "the new initrd holds updates/dkms/dkms_tiny.ko"
else
	skip "initrd made after the dkms hook" "no /boot/initrd.img-$K or lsinitramfs"
fi

# A module that fails to build fails the hook, and run-parts stops there: no
# initrd is made for a kernel that would lack the module.
ns mkdir -p /usr/src/dkms_broken-1.0
ns sh -c 'printf "%s\n" PACKAGE_NAME=dkms_broken PACKAGE_VERSION=1.0 BUILT_MODULE_NAME[0]=dkms_broken \
	DEST_MODULE_LOCATION[0]=/updates "MAKE[0]=\"false\"" AUTOINSTALL=yes >/usr/src/dkms_broken-1.0/dkms.conf'
ns /usr/sbin/dkms add dkms_broken/1.0 >/dev/null 2>&1
initrd_before=$(ns stat -c '%s %Y' "/boot/initrd.img-$K" 2>&1)
ns /etc/kernel/postinst.d/dkms "$K" >"$T/broken.log" 2>&1
rc=$?
[[ $rc == 1 ]] && grep -q 'failed for module(s) dkms_broken' "$T/broken.log" &&
	ok "postinst.d/dkms fails (exit 1) when a module fails to build, and names it" ||
	{ not_ok "postinst.d/dkms with a failing module (exit $rc, want 1)"; diag <"$T/broken.log"; }
ns env DEB_MAINT_PARAMS=configure run-parts --report --exit-on-error --arg="$K" \
	--arg="/boot/vmlinuz-$K" /etc/kernel/postinst.d >"$T/broken2.log" 2>&1
rc=$?
[[ $rc != 0 && $(ns stat -c '%s %Y' "/boot/initrd.img-$K" 2>&1) == "$initrd_before" ]] &&
	ok "run-parts stops at the failed dkms hook: initrd not remade" ||
	{ not_ok "run-parts stops at the failed dkms hook (exit $rc)"; diag <"$T/broken2.log"; }
expect_status "the other module stays installed: $INSTALLED" "$INSTALLED"
ns /usr/sbin/dkms remove dkms_broken/1.0 --all >/dev/null 2>&1

# A real *-dkms package: its postinst calls /usr/lib/dkms/common.postinst.
V4L=$(ls "$CACHE_DIR"/corpus/v4l2loopback-dkms_*.deb 2>/dev/null | head -1)
if [[ -z $V4L ]]; then
	(cd "$T" && apt-get download v4l2loopback-dkms >/dev/null 2>&1)
	V4L=$(ls "$T"/v4l2loopback-dkms_*.deb 2>/dev/null | head -1)
fi
if [[ -n $V4L ]]; then
	V4L_V=$(dpkg-deb -f "$V4L" Version)
	V4L_V=${V4L_V%-*}
	expect_rc "dpkg -i ${V4L##*/} (Depends: dkms, through Provides; common.postinst)" 0 ns dpkg -i "$V4L"
	got=$(ns /usr/sbin/dkms status v4l2loopback 2>&1)
	[[ $got == "v4l2loopback/$V4L_V, $K, $ARCH: installed" ]] && ok "common.postinst built and installed v4l2loopback for $K" ||
		{ not_ok "common.postinst installed v4l2loopback for $K (status: $got)"; }
	expect_rc "dpkg -r v4l2loopback-dkms" 0 ns dpkg -r v4l2loopback-dkms
	got=$(ns /usr/sbin/dkms status v4l2loopback 2>&1)
	[[ -z $got ]] && ok "v4l2loopback gone from dkms with its package" || not_ok "v4l2loopback gone (status: $got)"
else
	skip "a *-dkms package through common.postinst" "no v4l2loopback-dkms .deb ($CACHE_DIR/corpus or apt-get download)"
fi

# Removing ours, then Debian's dkms back on the same tree.
ns find /var/lib/dkms -printf '%p %y %s %T@ %l\n' | sort >"$T/tree.before-r"
expect_rc "dpkg -r dkms-c" 0 ns dpkg -r dkms-c
ns find /var/lib/dkms -printf '%p %y %s %T@ %l\n' | sort >"$T/tree.after-r"
expect_same "dpkg -r keeps /var/lib/dkms as it is" "$T/tree.before-r" "$T/tree.after-r"
DKMS_DEB=$(ls /var/cache/apt/archives/dkms_"$(dpkg-query -W -f='${Version}' dkms | sed 's/:/%3a/')"_all.deb 2>/dev/null | head -1)
if [[ -z $DKMS_DEB ]]; then
	(cd "$T" && apt-get download dkms >/dev/null 2>&1)
	DKMS_DEB=$(ls "$T"/dkms_*.deb 2>/dev/null | head -1)
fi
if [[ -n $DKMS_DEB ]]; then
	# Debian's package asks about the admin's framework.conf: keep it
	expect_rc "dpkg -i Debian's dkms again" 0 ns dpkg --force-confold -i "$DKMS_DEB" </dev/null
	ns /usr/sbin/dkms --version >"$T/dv" 2>&1
	grep -q '^dkms-3\.0' "$T/dv" && ok "Debian's dkms is back ($(cat "$T/dv"))" || not_ok "Debian's dkms is back ($(cat "$T/dv"))"
	expect_status "Debian's dkms reads the tree: $INSTALLED" "$INSTALLED"
else
	skip "Debian's dkms again" "no dkms .deb in /var/cache/apt/archives and apt-get download failed"
fi

# On a machine without Debian's dkms: a plain install, the documented
# framework.conf; purge leaves the tree.
if ns dpkg -P dkms >/dev/null 2>&1 && ! ns test -e /etc/dkms/framework.conf; then
	expect_rc "dpkg -i on a machine without dkms" 0 ns dpkg -i "$DEB" </dev/null
	ns cat /etc/dkms/framework.conf >"$T/fw.fresh" 2>&1
	expect_same "a fresh install puts the documented framework.conf" "$TOP/data/framework.conf" "$T/fw.fresh"
	expect_status "the tree is still read: $INSTALLED" "$INSTALLED"
	ns find /var/lib/dkms -printf '%p %y %s %T@ %l\n' | sort >"$T/tree.before-p"
	expect_rc "dpkg -P dkms-c" 0 ns dpkg -P dkms-c
	ns find /var/lib/dkms -printf '%p %y %s %T@ %l\n' | sort >"$T/tree.after-p"
	expect_same "purge keeps /var/lib/dkms as it is" "$T/tree.before-p" "$T/tree.after-p"
else
	not_ok "dpkg -P dkms (Debian's) removes it and its framework.conf"
fi

# --- the host, after --------------------------------------------------------------
kill "$NS" 2>/dev/null
wait "$NS" 2>/dev/null
host_listing >"$T/host.after"
expect_same "the host is unchanged (dkms tree, hooks, modules, /boot, dpkg status)" "$T/host.before" "$T/host.after"
