#!/bin/bash
# Modes, bounds and resources: children die with the program, installed
# files get sane modes, temp files of killed runs go, reading images is
# bounded, sparse files stay sparse, markers live where only root writes,
# and messages say what happened.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
A=$(uname -m)
mkdir -p "$T"/{src,tree,inst,etc,tmp}
[[ -n $K ]] && mkdir -p "$T/inst/$K" && ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release"
export DKMS_ETC_DIR=$T/etc DKMS_OS_RELEASE=$T/os-release try_sign_modules=false
export TMPDIR=$T/tmp
D=("$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst")

# wait_gone PID: true once PID has exited (polls for up to 10 s)
wait_gone() {
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# --- children die with the program ---------------------------------------
# MAKE leaves a grandchild behind that appends to a file every 0.1 s; dkms
# is killed with SIGKILL while it runs: the grandchild must go with it.
orphan_test() {
	if [[ -z $K ]]; then skip "children die with the program" "no kernel headers installed"; return; fi
	local src=$T/src/orphan-1.0 grow=$T/grow
	mkdir -p "$src"
	cat >"$src/writer.sh" <<-EOS
	#!/bin/sh
	echo \$\$ >"$T/writer.pid"
	while :; do echo x >>"$grow"; sleep 0.1; done
	EOS
	chmod 755 "$src/writer.sh"
	cat >"$src/dkms.conf" <<-EOS
	PACKAGE_NAME="orphan"
	PACKAGE_VERSION="1.0"
	BUILT_MODULE_NAME[0]="orphan"
	DEST_MODULE_LOCATION[0]="/extra"
	MAKE[0]="sh -c '$src/writer.sh & wait'"
	EOS
	step "add a package whose MAKE starts a writer" 0 add -m orphan -v 1.0
	"${D[@]}" build -m orphan -v 1.0 -k "$K" \
		>"$T/orphan.out" 2>&1 &
	local dk=$! i
	for ((i = 0; i < 100; i++)); do
		[[ -s $T/writer.pid && -s $grow ]] && break
		sleep 0.1
	done
	local wpid
	wpid=$(cat "$T/writer.pid" 2>/dev/null)
	if [[ -z $wpid ]]; then
		not_ok "the writer started"; diag <"$T/orphan.out"; kill -9 $dk 2>/dev/null; return
	fi
	ok "the writer started"
	kill -9 $dk
	wait $dk 2>/dev/null
	check "the grandchild is gone after dkms is killed with SIGKILL" wait_gone "$wpid"
	local before after
	before=$(stat -c %s "$grow")
	sleep 0.5
	after=$(stat -c %s "$grow")
	check "the file stops growing ($before -> $after bytes)" test "$before" = "$after"
	kill -9 "$wpid" 2>/dev/null
}
orphan_test

echo "1..$_tap_n"
