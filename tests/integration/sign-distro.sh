#!/bin/bash
# The MOK key pair on Ubuntu and Gentoo, side by side with dkms 3.4.3
# (/work/dkms-src/dkms, or $DKMS_REF). Both programs run in a private mount
# namespace whose /usr, /etc and /var are overlays with their upper layers in $T,
# so /etc/os-release, /etc/portage/make.conf and /var/lib/shim-signed/mok
# are the test's (nothing reaches the host). update-secureboot-policy is a
# stand-in on PATH that records each call (its arguments, SHIM_NOTRIGGER,
# whether MOK.der was there) and, for --new-key, makes MOK.priv and MOK.der
# with openssl as the real one does; for --enroll-key it prints a line.
#  - Ubuntu, no key: generate_mok calls --new-key (quiet, SHIM_NOTRIGGER=y)
#    then --enroll-key; a lone certificate is removed first; a key pair that
#    is there calls nothing; without the tool: exit 1, unsigned;
#  - Ubuntu, a real build of tests/fixtures/cli/hello-1.0 with
#    try_sign_modules=true: the module is signed with the stand-in's key
#    (modinfo signer);
#  - Gentoo: MODULES_SIGN_KEY/MODULES_SIGN_CERT from the environment, else
#    from make.conf, else the kernel's CONFIG_MODULE_SIG_KEY.
# Each: output, exit status and calls equal to dkms 3.4.3's.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
REF=${DKMS_REF:-/work/dkms-src/dkms}
why=
[[ $(id -u) == 0 ]] || why="needs root"
[[ -z $why && -z $K ]] && why="no kernel headers installed"
[[ -z $why && ! -f $REF ]] && why="no dkms 3.4.3 at $REF"
command -v openssl >/dev/null || why="openssl missing"
if [[ -n $why ]]; then
	skip "signing keys on Ubuntu and Gentoo" "$why"
	exit 0
fi

unshare -m --propagation private sleep infinity &
NS=$!
trap 'kill "$NS" 2>/dev/null; wait "$NS" 2>/dev/null; rm -rf "$T"' EXIT
sleep 0.2
mkdir -p "$T/bin" "$T/nobin"
ns() {
	nsenter -t "$NS" -m -- env -i PATH="$T/bin:/usr/sbin:/usr/bin:/sbin:/bin" HOME=/root LC_ALL=C \
		TERM=dumb "$@"
}
for d in usr etc var; do
	mkdir -p "$T/ns/upper/$d" "$T/ns/work/$d"
	ns mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/ns/upper/$d,workdir=$T/ns/work/$d" "/$d" ||
		{ skip "signing keys" "overlayfs over /$d failed"; exit 0; }
done

cat >"$T/bin/update-secureboot-policy" <<EOF
#!/bin/sh
d=/var/lib/shim-signed/mok
had=no; [ -f \$d/MOK.der ] && had=yes
echo "\$* SHIM_NOTRIGGER=\${SHIM_NOTRIGGER:-} MOK.der-there=\$had" >>"$T/calls"
case \$1 in
--new-key)
	echo "this line is dropped"
	[ -f \$d/MOK.der ] && exit 0
	mkdir -p \$d
	openssl req -new -x509 -nodes -days 30 -subj "/CN=stand-in shim MOK" -newkey rsa:2048 \\
		-keyout \$d/MOK.priv -outform DER -out \$d/MOK.der >/dev/null 2>&1
	;;
--enroll-key) echo "enrolling \$d/MOK.der (stand-in)" ;;
esac
EOF
chmod +x "$T/bin/update-secureboot-policy"

# /etc/os-release is a link to /usr/lib/os-release: replace the link (in the
# overlay), never write through it
os() { ns sh -c "rm -f /etc/os-release && printf 'ID=$1\n' >/etc/os-release"; }
[[ $(ns findmnt -n -o FSTYPE /usr) == overlay && $(ns findmnt -n -o FSTYPE /etc) == overlay ]] ||
	{ skip "signing keys" "no private overlay over /usr and /etc"; exit 0; }
md5_before=$(md5sum /usr/lib/os-release /etc/os-release 2>/dev/null)
reset() {
	ns rm -rf /var/lib/shim-signed /var/lib/dkms/mok.key /var/lib/dkms/mok.pub "$T/calls" "$T/keys"
	: >"$T/calls"
}
# both NAME ARGS...: run ARGS with 3.4.3 and with this program from the same start
# (SETUP, a shell command, first each time); compare output, exit status, calls
both() {
	local name=$1 setup=$2
	shift 2
	for who in ref ours; do
		reset
		[[ -n $setup ]] && ns sh -c "$setup" 2>&1 | diag
		: >"$T/calls"
		if [[ $who == ref ]]; then ns "${ENVV[@]}" bash "$REF" "$@" >"$T/$name.$who" 2>&1
		else ns "${ENVV[@]}" "$DKMS_BIN" "$@" >"$T/$name.$who" 2>&1; fi
		echo "exit $?" >>"$T/$name.$who"
		cat "$T/calls" >"$T/$name.$who.calls"
		ns sh -c 'ls /var/lib/shim-signed/mok 2>/dev/null' >"$T/$name.$who.files"
	done
	expect_same "$name: the output and exit status of dkms 3.4.3" "$T/$name.ref" "$T/$name.ours"
	expect_same "$name: the same update-secureboot-policy calls" "$T/$name.ref.calls" "$T/$name.ours.calls"
	expect_same "$name: the same key files" "$T/$name.ref.files" "$T/$name.ours.files"
}
ENVV=(env)

os ubuntu
both ubuntu-new "" generate_mok
expect_same "ubuntu-new: --new-key quietly with SHIM_NOTRIGGER=y, then --enroll-key" \
	<(printf '%s\n' "--new-key SHIM_NOTRIGGER=y MOK.der-there=no" "--enroll-key SHIM_NOTRIGGER= MOK.der-there=yes") \
	"$T/ubuntu-new.ours.calls"
check "ubuntu-new: the key is shim-signed's" grep -qx "Signing key: /var/lib/shim-signed/mok/MOK.priv" "$T/ubuntu-new.ours"
check "ubuntu-new: --new-key's output is dropped, --enroll-key's shown" sh -c \
	"! grep -q 'this line is dropped' '$T/ubuntu-new.ours' && grep -q '^enrolling' '$T/ubuntu-new.ours'"
expect_same "ubuntu-new: exit 0" <(echo "exit 0") <(tail -n 1 "$T/ubuntu-new.ours")

both ubuntu-lone-cert "mkdir -p /var/lib/shim-signed/mok && echo x >/var/lib/shim-signed/mok/MOK.der" generate_mok
check "ubuntu-lone-cert: the lone certificate is removed before --new-key" \
	grep -qx -- "--new-key SHIM_NOTRIGGER=y MOK.der-there=no" "$T/ubuntu-lone-cert.ours.calls"

both ubuntu-have "update-secureboot-policy --new-key >/dev/null" generate_mok
expect_same "ubuntu-have: a key pair that is there: no call" /dev/null "$T/ubuntu-have.ours.calls"

mv "$T/bin/update-secureboot-policy" "$T/nobin/"
both ubuntu-no-tool "" generate_mok
check "ubuntu-no-tool: says the modules won't be signed" \
	grep -qx "Binary update-secureboot-policy not found, modules won't be signed" "$T/ubuntu-no-tool.ours"
expect_same "ubuntu-no-tool: exit 1" <(echo "exit 1") <(tail -n 1 "$T/ubuntu-no-tool.ours")
mv "$T/nobin/update-secureboot-policy" "$T/bin/"

# a real build of hello: signed (or not) as 3.4.3 signs it
mkdir -p "$T/b/src"
cp -a "$TOP/tests/fixtures/cli/hello-1.0" "$T/b/src/"
build_both() { # NAME [SETUP]
	local name=$1 who
	for who in ref ours; do
		reset
		[[ -n ${2:-} ]] && ns sh -c "$2"
		: >"$T/calls"
		rm -rf "$T/b/tree-$who" "$T/b/inst-$who"
		mkdir -p "$T/b/inst-$who/$K"
		ln -s "/usr/src/linux-headers-$K" "$T/b/inst-$who/$K/build"
		bin=("$DKMS_BIN")
		[[ $who == ref ]] && bin=(bash "$REF")
		ns "${ENVV[@]}" try_sign_modules=true sign_file=/usr/lib/linux-kbuild-${K%.*}/scripts/sign-file \
			"${bin[@]}" install hello/1.0 -k "$K" --dkmstree "$T/b/tree-$who" --sourcetree "$T/b/src" \
			--installtree "$T/b/inst-$who" >"$T/$name.$who" 2>&1
		echo "exit $?" >>"$T/$name.$who"
		grep -q '^exit 0$' "$T/$name.$who" || tail -n 15 "$T/$name.$who" | diag
		modinfo -F signer "$T/b/tree-$who/hello/1.0/$K/$(uname -m)/module/hello.ko" >"$T/$name.$who.signer" 2>&1
		cp "$T/calls" "$T/$name.$who.calls"
	done
	expect_same "$name: signed as dkms 3.4.3 signs it" "$T/$name.ref.signer" "$T/$name.ours.signer"
	expect_same "$name: the same calls" "$T/$name.ref.calls" "$T/$name.ours.calls"
	expect_same "$name: the same output" <(grep -v 'Building module' "$T/$name.ref" | sed "s|$T/b/[a-z]*-ref|@T@|g") \
		<(grep -v 'Building module' "$T/$name.ours" | sed "s|$T/b/[a-z]*-ours|@T@|g")
}
build_both ubuntu-build
expect_same "ubuntu-build: the module is signed with update-secureboot-policy's key" \
	<(echo "stand-in shim MOK") "$T/ubuntu-build.ours.signer"

# Gentoo
os gentoo
ENVV=(env MODULES_SIGN_KEY=$T/keys/env.key MODULES_SIGN_CERT=$T/keys/env.crt)
both gentoo-env "mkdir -p $T/keys" generate_mok
check "gentoo-env: MODULES_SIGN_KEY from the environment" grep -qx "Signing key: $T/keys/env.key" "$T/gentoo-env.ours"
check "gentoo-env: the pair is made there" test -s "$T/keys/env.key" -a -s "$T/keys/env.crt"
ENVV=(env)
both gentoo-make-conf "mkdir -p /etc/portage $T/keys && printf 'MODULES_SIGN_KEY=\"$T/keys/m.pem\"\nMODULES_SIGN_CERT=$T/keys/m.x509\n' >/etc/portage/make.conf" generate_mok
check "gentoo-make-conf: the key from make.conf" grep -qx "Signing key: $T/keys/m.pem" "$T/gentoo-make-conf.ours"
check "gentoo-make-conf: the certificate from make.conf" grep -qx "Public certificate (MOK): $T/keys/m.x509" "$T/gentoo-make-conf.ours"
ns rm -f /etc/portage/make.conf
# Gentoo, nothing set: the kernel's CONFIG_MODULE_SIG_KEY (Debian's
# certs/signing_key.pem is not in the headers, so readlink -f gives nothing
# and the DKMS key is used)
build_both gentoo-build
check "gentoo-build: the kernel config's key is not there, so the DKMS MOK" \
	grep -qx "Signing key: /var/lib/dkms/mok.key" "$T/gentoo-build.ours"
check "the host's os-release is untouched" test "$(md5sum /usr/lib/os-release /etc/os-release 2>/dev/null)" = "$md5_before"
