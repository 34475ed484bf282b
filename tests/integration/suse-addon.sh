#!/bin/bash
# SUSE's ADDON_MODULES_DIR, side by side with dkms 3.4.3 (/work/dkms-src/dkms,
# or $DKMS_REF): when the environment does not set it, dkms sources
# /etc/sysconfig/module-init-tools, and a value there is the destination of
# every package's modules (e.g. updates/addon). Both programs install
# tests/fixtures/cli/hello-1.0 (DEST_MODULE_LOCATION /kernel/extra) for the
# real headers in their own temp trees, in a private mount namespace whose
# /etc is an overlay holding an openSUSE os-release and the sysconfig file
# (the reference reads the real /etc). Then, this program only: the path is
# overridable (DKMS_MODULE_INIT_TOOLS), and a value the shell would expand is
# refused with a warning naming file and line.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
REF=${DKMS_REF:-/work/dkms-src/dkms}
if [[ -z $K ]]; then
	skip "ADDON_MODULES_DIR" "no kernel headers installed"
	exit 0
fi
FIX=$TOP/tests/fixtures/cli/hello-1.0

# run WHO NAME [VAR=VALUE...]: install hello/1.0 with WHO (ours|ref) in $T/WHO-NAME
run() {
	local who=$1 name=$2
	shift 2
	local d=$T/$who-$name bin=("$DKMS_BIN")
	[[ $who == ref ]] && bin=(bash "$REF")
	rm -rf "$d" && mkdir -p "$d"/{src,tree,inst/"$K"}
	ln -s "/usr/src/linux-headers-$K" "$d/inst/$K/build"
	cp -a "$FIX" "$d/src/hello-1.0"
	env "$@" try_sign_modules=false parallel_jobs=1 \
		"${bin[@]}" install -m hello -v 1.0 -k "$K" --dkmstree "$d/tree" --sourcetree "$d/src" \
		--installtree "$d/inst" >"$d.out" 2>&1
	echo $? >"$d.rc"
	(cd "$d/inst/$K" && find . -name '*.ko*' | sort) >"$d.list"
}

# inside the namespace: the outer run's temp dir and TAP count
if [[ -n ${SUSE_ADDON_IN_NS:-} ]]; then
	rm -rf "$T"
	trap - EXIT
	T=$SUSE_ADDON_T _tap_n=$SUSE_ADDON_TAP
	unset ADDON_MODULES_DIR DKMS_OS_RELEASE DKMS_ETC_DIR DKMS_MODULE_INIT_TOOLS
	if [[ -f $REF ]]; then
		for who in ours ref; do
			run "$who" file
			run "$who" env ADDON_MODULES_DIR=updates/envwins
			run "$who" empty ADDON_MODULES_DIR=
		done
		for n in file env empty; do
			expect_same "$n: exit status as dkms 3.4.3" "$T/ref-$n.rc" "$T/ours-$n.rc"
			expect_same "$n: the module where dkms 3.4.3 puts it" "$T/ref-$n.list" "$T/ours-$n.list"
		done
		expect_same "the sysconfig file's ADDON_MODULES_DIR: updates/addon" \
			<(echo ./updates/addon/hello.ko) "$T/ours-file.list"
		expect_same "the environment wins over the file" <(echo ./updates/envwins/hello.ko) "$T/ours-env.list"
		expect_same "an empty ADDON_MODULES_DIR reads the file, as dkms does" \
			<(echo ./updates/addon/hello.ko) "$T/ours-empty.list"
	else
		skip "side by side with dkms 3.4.3" "$REF missing"
	fi
	exit 0
fi

# this program, the path overridden (no namespace needed)
printf 'ID=opensuse-leap\nID_LIKE="suse opensuse"\n' >"$T/os-release"
mkdir -p "$T/etc"
E=(DKMS_OS_RELEASE="$T/os-release" DKMS_ETC_DIR="$T/etc")
printf 'ADDON_MODULES_DIR=updates/addon\n' >"$T/mit-plain"
run ours override "${E[@]}" DKMS_MODULE_INIT_TOOLS="$T/mit-plain"
expect_same "DKMS_MODULE_INIT_TOOLS names the file" <(echo ./updates/addon/hello.ko) "$T/ours-override.list"
run ours nofile "${E[@]}" DKMS_MODULE_INIT_TOOLS="$T/none"
expect_same "no such file: SUSE's /updates" <(echo ./updates/hello.ko) "$T/ours-nofile.list"
printf '# comment\nADDON_MODULES_DIR=updates/first\nADDON_MODULES_DIR="$(id -u)"\n' >"$T/mit-expand"
run ours expand "${E[@]}" DKMS_MODULE_INIT_TOOLS="$T/mit-expand"
check "a value the shell would expand is refused, naming file and line" grep -qxF \
	"Warning: $T/mit-expand:3: ADDON_MODULES_DIR=\"\$(id -u)\" is not a plain value, ignored." "$T/ours-expand.out"
expect_same "... and the plain one before it stays" <(echo ./updates/first/hello.ko) "$T/ours-expand.list"
printf "export ADDON_MODULES_DIR='updates/exported'\n" >"$T/mit-export"
run ours export "${E[@]}" DKMS_MODULE_INIT_TOOLS="$T/mit-export"
expect_same "export NAME='value' is read" <(echo ./updates/exported/hello.ko) "$T/ours-export.list"

if [[ $(id -u) != 0 ]] || ! command -v unshare >/dev/null; then
	skip "side by side with dkms 3.4.3" "needs root and unshare for a private /etc"
	exit 0
fi
mkdir -p "$T/etcov/sysconfig" "$T/etcov/dkms"
printf 'NAME="openSUSE Leap"\nVERSION_ID="15.6"\nID="opensuse-leap"\nID_LIKE="suse opensuse"\n' >"$T/etcov/os-release"
printf '## Path: System/Kernel\n# where add-on modules go\nADDON_MODULES_DIR="updates/addon"\n' \
	>"$T/etcov/sysconfig/module-init-tools"
SUSE_ADDON_IN_NS=1 SUSE_ADDON_T=$T SUSE_ADDON_TAP=$_tap_n unshare -m --propagation private -- \
	bash -c 'mount -t overlay overlay -o lowerdir="$SUSE_ADDON_T/etcov":/etc /etc && exec bash "$0"' "$0"
