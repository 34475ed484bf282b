#!/bin/bash
# modprobe_on_install (--modprobe-on-install), side by side with dkms 3.4.3
# (/work/dkms-src/dkms, or $DKMS_REF): after installing for the running
# kernel, modprobe -a -b -q of every device modalias, then, when
# /lib/systemd/system/systemd-modules-load.service exists, systemctl restart
# systemd-modules-load.service; for another kernel neither. modprobe and
# systemctl are stand-ins on PATH that record their calls (nothing is loaded
# or restarted on this machine). The running kernel is played by an install
# tree entry named $(uname -r) whose build link is the real headers.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
REF=${DKMS_REF:-/work/dkms-src/dkms}
RUN=$(uname -r)
if [[ -z $K ]]; then skip "modprobe_on_install" "no kernel headers installed"; exit 0; fi
if [[ ! -f $REF ]]; then skip "modprobe_on_install" "no dkms 3.4.3 at $REF"; exit 0; fi
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "modprobe $1 $2 $3 ($(($# - 3)) aliases)" >>"%s/calls"\n' "$T" >"$T/bin/modprobe"
printf '#!/bin/sh\necho "systemctl $*" >>"%s/calls"\n' "$T" >"$T/bin/systemctl"
chmod +x "$T/bin/modprobe" "$T/bin/systemctl"
printf 'ID=debian\n' >"$T/os-release"
mkdir -p "$T/etc"

# run WHO KERNEL: install hello/1.0 for KERNEL with --modprobe-on-install
run() {
	local who=$1 k=$2 d=$T/$1-$2 bin=("$DKMS_BIN")
	[[ $who == ref ]] && bin=(bash "$REF")
	mkdir -p "$d"/{src,tree,inst/"$k"}
	ln -sfn "/usr/src/linux-headers-$K" "$d/inst/$k/build"
	cp -a "$TOP/tests/fixtures/cli/hello-1.0" "$d/src/"
	: >"$T/calls"
	if [[ $who == ref ]]; then
		# the reference reads the real /etc: its own os-release in a private namespace
		unshare -m --propagation private -- sh -c 'mount --bind "$1" /etc/os-release && shift && exec "$@"' sh \
			"$T/os-release" env PATH="$T/bin:$PATH" try_sign_modules=false \
			"${bin[@]}" install hello/1.0 -k "$k" --modprobe-on-install --dkmstree "$d/tree" \
			--sourcetree "$d/src" --installtree "$d/inst" >"$d.out" 2>&1
	else
		env PATH="$T/bin:$PATH" DKMS_OS_RELEASE="$T/os-release" DKMS_ETC_DIR="$T/etc" try_sign_modules=false \
			"${bin[@]}" install hello/1.0 -k "$k" --modprobe-on-install --dkmstree "$d/tree" \
			--sourcetree "$d/src" --installtree "$d/inst" >"$d.out" 2>&1
	fi
	echo "exit $?" >>"$d.out"
	sed 's/([0-9]* aliases)/(N aliases)/' "$T/calls" >"$d.calls"
}
for who in ref ours; do
	run "$who" "$RUN"
	run "$who" "$K"
done
expect_same "the running kernel: the same calls as dkms 3.4.3" "$T/ref-$RUN.calls" "$T/ours-$RUN.calls"
if [[ -f /lib/systemd/system/systemd-modules-load.service ]]; then
	expect_same "the running kernel: modprobe, then systemd-modules-load restarted" \
		<(printf '%s\n' "modprobe -a -b -q (N aliases)" "systemctl restart systemd-modules-load.service") \
		"$T/ours-$RUN.calls"
else
	expect_same "the running kernel: modprobe (no systemd-modules-load.service here)" \
		<(echo "modprobe -a -b -q (N aliases)") "$T/ours-$RUN.calls"
fi
expect_same "another kernel: no call, as dkms 3.4.3" "$T/ref-$K.calls" "$T/ours-$K.calls"
expect_same "another kernel: nothing loaded or restarted" /dev/null "$T/ours-$K.calls"
check "both installs succeed" sh -c "tail -n1 '$T/ours-$RUN.out' | grep -qx 'exit 0' && tail -n1 '$T/ref-$RUN.out' | grep -qx 'exit 0'"
