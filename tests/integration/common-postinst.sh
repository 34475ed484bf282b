#!/bin/bash
# data/common.postinst (/usr/lib/dkms/common.postinst, what every dh_dkms
# *-dkms package's postinst calls) against dkms 3.4.3's dkms_common.postinst,
# with this program as the installed dkms. In a private mount namespace whose
# /usr, /etc, /var and /boot are overlays with their upper layers in $T
# (nothing reaches the host), this program is installed with make install
# PREFIX=/usr; the real v4l2loopback-dkms package (tests/peer corpus) and
# copies of it changed in one place are then, each:
#   unpacked with dpkg --unpack; configured by 3.4.3's script and by ours,
#   run with the postinst's arguments, from a clean dkms tree each: the
#   same output, exit status and dkms status; then dpkg --configure (ours,
#   through the package's own postinst) and dpkg --purge.
# Kernels: the headers' kernel, a second one (a copy of the headers calling
# itself 6.1.0-99-amd64) and a BOOT variant; the running kernel has no
# module tree here, so, as in a chroot, every kernel with headers is built.
# The cases: AUTOINSTALL set (built and installed for both, BOOT skipped);
# no AUTOINSTALL (added, not built, exit 0); a build that fails (exit 10,
# the next kernel still tried, both named); the same with continue_on_error=
# false in framework.conf.d (stops at the first).
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
ARCH=$(uname -m)
REF=${DKMS_SRC:-/work/dkms-src}/dkms_common.postinst.in
V4L=$(ls "${DKMS_CACHE:-$TOP/.cache}"/corpus/v4l2loopback-dkms_*.deb 2>/dev/null | head -1)
why=
[[ $(id -u) == 0 ]] || why="needs root"
[[ -z $why && -z $K ]] && why="no kernel headers installed"
[[ -z $why && ! -f $REF ]] && why="no dkms 3.4.3 source at $REF"
[[ -z $why && ! -f $V4L ]] && why="no v4l2loopback-dkms .deb in the corpus cache (DKMS_CACHE)"
[[ -z $why && ! -x $TOP/build/dkms ]] && why="build/dkms not built"
[[ -z $why ]] && ! dpkg-query -W -f='${Status}' dkms 2>/dev/null | grep -q 'install ok installed' &&
	why="no dkms package installed (v4l2loopback-dkms depends on it)"
if [[ -n $why ]]; then
	skip "common.postinst" "$why"
	exit 0
fi

unshare -m --propagation private sleep infinity &
NS=$!
trap 'kill "$NS" 2>/dev/null; wait "$NS" 2>/dev/null; rm -rf "$T"' EXIT
sleep 0.2
ns() {
	nsenter -t "$NS" -m -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive "$@"
}
for d in usr etc var boot; do
	mkdir -p "$T/ns/upper/$d" "$T/ns/work/$d"
	ns mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/ns/upper/$d,workdir=$T/ns/work/$d" "/$d" ||
		{ skip "common.postinst" "overlayfs over /$d failed"; exit 0; }
done
[[ $(ns findmnt -n -o FSTYPE /usr) == overlay ]] || { skip "common.postinst" "no private overlay"; exit 0; }

if ns make -C "$TOP" install PREFIX=/usr >"$T/install.log" 2>&1 && ns /usr/sbin/dkms --version | grep -q '^dkms-'; then
	ok "this program is the sandbox's dkms (make install PREFIX=/usr)"
else
	not_ok "make install PREFIX=/usr in the sandbox"; tail -n 20 "$T/install.log" | diag; exit 1
fi
sed 's|@MODDIR@|/lib/modules|g' "$REF" >"$T/ref.postinst"
# the sandbox's own framework.conf: no signing, one job
ns sh -c 'printf "try_sign_modules=false\n" >/etc/dkms/framework.conf.d/00-test.conf'

# the kernels: K, K2 (headers that call themselves K2), a BOOT variant
K2=${K%%-*}-99-amd64
KB=${K%-*}-BOOT
mkdir -p "$T/k2" && cp -a "/usr/src/linux-headers-$K" "$T/k2/build"
echo "#define UTS_RELEASE \"$K2\"" >"$T/k2/build/include/generated/utsrelease.h"
echo "$K2" >"$T/k2/build/include/config/kernel.release"
for l in scripts tools; do ln -sfn "$(readlink -f "/usr/src/linux-headers-$K/$l")" "$T/k2/build/$l"; done
ns sh -c "mkdir -p /lib/modules/$K2 /lib/modules/$KB && ln -sfn '$T/k2/build' /lib/modules/$K2/build &&
	ln -sfn /usr/src/linux-headers-$K /lib/modules/$KB/build"
[[ -e /lib/modules/$(uname -r) ]] && echo "# note: the running kernel has a module tree here; only it and the newest are built"

# variant NAME EDIT: a copy of the v4l2loopback package with EDIT (sed on its dkms.conf)
variant() {
	local d=$T/pkg-$1
	rm -rf "$d" && dpkg-deb -R "$V4L" "$d"
	[[ -n $2 ]] && sed -i "$2" "$d"/usr/src/v4l2loopback-*/dkms.conf
	dpkg-deb -b "$d" "$T/$1.deb" >/dev/null
}
VER=$(dpkg-deb -f "$V4L" Version | sed 's/-[^-]*$//')
ARGS=(v4l2loopback "$VER" /usr/share/v4l2loopback-dkms "" "")
statuses() { ns /usr/sbin/dkms status v4l2loopback 2>&1 | sort; }
clean_tree() { ns /usr/sbin/dkms remove v4l2loopback/"$VER" --all >/dev/null 2>&1; }

# case NAME DEB WANT-RC: 3.4.3's script and ours side by side, then dpkg
case_() {
	local name=$1 deb=$2 want=$3
	ns dpkg --unpack "$deb" >"$T/$name.unpack" 2>&1 || { not_ok "$name: dpkg --unpack"; diag <"$T/$name.unpack"; return; }
	clean_tree
	ns sh "$T/ref.postinst" "${ARGS[@]}" >"$T/$name.ref" 2>&1
	echo $? >"$T/$name.ref.rc"
	statuses >"$T/$name.ref.status"
	clean_tree
	ns /usr/lib/dkms/common.postinst "${ARGS[@]}" >"$T/$name.ours" 2>&1
	echo $? >"$T/$name.ours.rc"
	statuses >"$T/$name.ours.status"
	expect_same "$name: exit status $want, as dkms 3.4.3's script" <(echo "$want") "$T/$name.ours.rc"
	expect_same "$name: 3.4.3's script exits the same" "$T/$name.ref.rc" "$T/$name.ours.rc"
	expect_same "$name: the same output as 3.4.3's script" \
		<(sed "s|$T|@T@|g; /^Removing old/d" "$T/$name.ref") <(sed "s|$T|@T@|g; /^Removing old/d" "$T/$name.ours")
	expect_same "$name: the same dkms status" "$T/$name.ref.status" "$T/$name.ours.status"
	clean_tree
	ns dpkg --configure v4l2loopback-dkms >"$T/$name.dpkg" 2>&1
	local rc=$? dwant=0
	[[ $want != 0 ]] && dwant=1
	if [[ $rc == "$dwant" ]]; then ok "$name: dpkg --configure through the package's postinst (exit $rc)"; else
		not_ok "$name: dpkg --configure (exit $rc, want $dwant)"; tail -n 20 "$T/$name.dpkg" | diag
	fi
	statuses >"$T/$name.dpkg.status"
	expect_same "$name: after dpkg, the status the script made" "$T/$name.ours.status" "$T/$name.dpkg.status"
}
purge() { ns dpkg --purge v4l2loopback-dkms >"$T/purge.log" 2>&1 || { not_ok "dpkg --purge"; diag <"$T/purge.log"; }; }

case_ autoinstall "$V4L" 0
expect_same "autoinstall: installed for both kernels, not for the BOOT variant" \
	<(printf 'v4l2loopback/%s, %s, %s: installed\n' "$VER" "$K" "$ARCH" "$VER" "$K2" "$ARCH" | sort) \
	"$T/autoinstall.ours.status"
check "autoinstall: the BOOT variant is skipped, saying so" grep -qxF "Module build and install for $KB was skipped as " "$T/autoinstall.ours"
check "autoinstall: a chroot's host kernel is named" grep -qxF "It is likely that $(uname -r) belongs to a chroot's host" "$T/autoinstall.ours"
purge

variant noauto '/^AUTOINSTALL=/d'
case_ noauto "$T/noauto.deb" 0
check "noauto: not built, saying why" grep -qxF "Not building the v4l2loopback module which does not have AUTOINSTALL enabled." "$T/noauto.ours"
expect_same "noauto: added only" <(echo "v4l2loopback/$VER: added") "$T/noauto.ours.status"
purge

variant broken 's/^MAKE\[0\]=.*/MAKE[0]="make -C no-such-dir"/'
case_ broken "$T/broken.deb" 10
check "broken: both kernels tried and named" grep -qxF "Builds for the following kernel(s) failed: $K $K2" "$T/broken.ours"
purge

ns sh -c 'echo continue_on_error=false >/etc/dkms/framework.conf.d/50-stop.conf'
case_ stop "$T/broken.deb" 10
check "continue_on_error=false: the second kernel is not tried" sh -c \
	"grep -c '^Building initial module' '$T/stop.ours' | grep -qx 1 && ! grep -q 'following kernel' '$T/stop.ours'"
purge
