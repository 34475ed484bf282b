#!/bin/bash
# The action table's preconditions (cmd/main.c) run by a user who is not
# root: which check speaks first, in dkms 3.4.3's order for each action
# (match asks for root before one kernel, autoinstall the other way round;
# uninstall looks the package up before asking for root; the kernel hooks
# count their -k before anything), with its message and exit code.
# The expected records come from dkms 3.4.3 itself (regen-expected.sh).
. "$(dirname "$0")/cli-lib.bash"
if ! command -v setpriv >/dev/null || ! setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	echo "1..0 # SKIP needs setpriv and the right to become uid 65534"
	exit 0
fi
# the user may read the trees (nobody may write them)
chmod 0755 "$T" "$T/tree" "$T/src" "$T/inst"

# nobody NAME ARGS...: a dk step as uid/gid 65534
nobody() {
	local name=$1
	shift
	run "$name" setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		"${DKMS_CMD[@]}" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst" "$@"
}

nobody install-not-root install -k "$K" hello/1.0
nobody install-all-before-root install hello/1.0 --all
nobody uninstall-unknown-before-root uninstall -k "$K" hello/1.0
nobody remove-no-module remove --all
nobody build-read-only-tree build -k "$K" hello/1.0
nobody match-root-before-kernels match --templatekernel "$K" -k "$K" -k "$K2"
nobody autoinstall-kernels-before-root autoinstall -k "$K" -k "$K2"
nobody kernel-prerm-no-kernel kernel_prerm
nobody kernel-preinst-not-root kernel_preinst -k "$K"
fx hello-1.0
src hello-1.0 hello-1.0
dk add add hello/1.0
chmod -R go+rX "$T/tree" "$T/src"
nobody uninstall-added-not-root uninstall -k "$K" hello/1.0
nobody unbuild-read-only-tree unbuild -k "$K" hello/1.0
nobody add-all-before-tree add hello/1.0 --all
nobody ldtarball-force-not-root ldtarball --force "$T/fx/none.dkms.tar.gz"
rm -rf "$T/src/hello-1.0"
nobody build-broken-before-tree build -k "$K" hello/1.0
nobody mktarball-broken mktarball -k "$K" hello/1.0
finish
