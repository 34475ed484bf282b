#!/bin/bash
# The lifecycle's safety promises, proven on the tiny example module:
#
# 1. lock   -- two runs that change one --dkmstree at once wait for each other
#              (flock on the tree directory) and end exactly as if run one after
#              the other; `status` takes no lock and answers during a build.
# 2. kill   -- kill -9 of the whole dkms process group at every hook point of
#              add/build/install/uninstall/remove (and inside a real kbuild,
#              between staging and commit of a build, in depmod): `status` stays
#              sane and the next build/install/uninstall/remove leaves the trees
#              clean; original modules come back; a killed or failed
#              `build --force` keeps the installed build; a failing depmod
#              rolls the install back.
# 3. input  -- bad dkms.conf files, missing headers, a failing build, unknown
#              module/version, hostile tarballs, a full disk (private tmpfs) and
#              a read-only install tree: dkms's exit code, one error naming the
#              culprit, and the trees unchanged.
#
# How the windows are hit without timing: hooks, the MAKE command, the module's
# Makefile and `strip`/`depmod` wrappers call $T/bin/gate NAME (the depmod
# wrapper never runs the real depmod; it fails on demand); when $G/arm-NAME exists
# the gate writes its session (dkms's own process group: bg starts dkms with
# setsid, and dkms starts each child in a group of its own) to $G/at-NAME and
# waits for $G/go-NAME.
# The test waits (polling, generous limits) for at-NAME, then kills, inspects
# or lets go. A waiter on the tree lock is seen in /proc/locks ("->" lines).
#
# Most builds use a fast fixture whose MAKE copies the dkms_tiny.ko built once
# for real at the start. Full disk and read-only tests need a private mount
# namespace (`unshare -m`); the group re-executes itself in one when it can and
# skips those checks otherwise. DKMS_BIN selects the program (default build/dkms).
if [[ -z ${SAFETY_IN_NS:-} && $(id -u) == 0 ]] &&
	unshare -m --propagation private true 2>/dev/null; then
	SAFETY_IN_NS=$(readlink /proc/self/ns/mnt) exec unshare -m --propagation private -- bash "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
ARCH=$(uname -m)
if [[ -z $K || $(id -u) != 0 || ! -x $DKMS_BIN ]]; then
	echo "1..0 # SKIP needs root, kernel headers and $DKMS_BIN"
	exit 0
fi
# mounts only in a namespace of our own: SAFETY_IN_NS names the one we left
NS=
[[ ${SAFETY_IN_NS:-} == mnt:* && $(readlink /proc/self/ns/mnt) != "$SAFETY_IN_NS" ]] && NS=1
MOUNTS=()
BGS=()
cleanup() {
	local m
	for m in "${BGS[@]}"; do kill -9 -- "-$m" 2>/dev/null; done
	for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

G=$T/gate
mkdir -p "$G" "$T/bin"
cat >"$T/os-release" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
ID=debian
EOF
export DKMS_OS_RELEASE=$T/os-release
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub try_sign_modules=false
unset sign_file post_transaction parallel_jobs DKMS_ETC_DIR

# The gate: one-shot, armed by $G/arm-NAME.
cat >"$T/bin/gate" <<EOF
#!/bin/sh
G='$G'
[ -e "\$G/arm-\$1" ] || exit 0
rm -f "\$G/arm-\$1"
read -r _ _ _ _ _ pg _ </proc/\$\$/stat
echo "\$pg" >"\$G/at-\$1.new" && mv "\$G/at-\$1.new" "\$G/at-\$1"
while [ ! -e "\$G/go-\$1" ]; do [ -d "\$G" ] || exit 1; sleep 0.05; done
rm -f "\$G/go-\$1"
exit 0
EOF
REAL_STRIP=$(command -v strip)
cat >"$T/bin/strip" <<EOF
#!/bin/sh
'$T/bin/gate' strip
exec '$REAL_STRIP' "\$@"
EOF
# depmod is never the real one here: a gate, and a failure on demand
cat >"$T/bin/depmod" <<EOF
#!/bin/sh
'$T/bin/gate' depmod
[ -e '$G/depmod-fails' ] && { echo "depmod: ERROR: failed on purpose" >&2; exit 1; }
exit 0
EOF
chmod +x "$T/bin/gate" "$T/bin/strip" "$T/bin/depmod"
GATE=$T/bin/gate

# newset S: private trees $T/S/{src,tree,inst/$K/build,etc,tmp}
newset() {
	mkdir -p "$T/$1"/{src,tree,inst/"$K",etc,tmp}
	ln -sfn "/usr/src/linux-headers-$K" "$T/$1/inst/$K/build"
}

# dkx S ARGS...: run dkms on set S (its trees may be moved with DT/IT); $rc, $T/S/{out,err}
dkx() {
	local s=$1
	shift
	(cd "$T/$s" && PATH="$T/bin:$PATH" TMPDIR="$T/$s/tmp" DKMS_ETC_DIR="$T/$s/etc" \
		"$DKMS_BIN" --dkmstree "${DT:-$T/$s/tree}" --sourcetree "$T/$s/src" \
		--installtree "${IT:-$T/$s/inst}" "$@" >"$T/$s/out" 2>"$T/$s/err")
	rc=$?
}

# norm S FILE: the file with $T/S replaced by @
norm() { sed -e "s|$T/$1|@|g" "$2"; }

# step NAME S WANT ARGS...: dkx and check the exit code
step() {
	local name=$1 s=$2 want=$3
	shift 3
	dkx "$s" "$@"
	if [[ $rc == "$want" ]]; then ok "$name"; else
		not_ok "$name (exit $rc, want $want)"
		cat "$T/$s/out" "$T/$s/err" | tail -n 20 | diag
	fi
}

# status_is NAME S EXPECTED: `dkms status` exits 0, prints EXPECTED, nothing on stderr
status_is() {
	local name=$1 s=$2
	printf '%s' "$3" >"$T/$s/want"
	[[ -n $3 ]] && echo >>"$T/$s/want"
	dkx "$s" status
	# the line recovery prints when it finishes a killed run (crash.sh checks those)
	grep -v '^dkms: recovered an interrupted ' "$T/$s/err" >>"$T/$s/out"
	if [[ $rc != 0 ]]; then
		not_ok "$name (status exit $rc)"
		diag <"$T/$s/out"
	else
		expect_same "$name" "$T/$s/want" "$T/$s/out"
	fi
}

# snap DIR...: a listing (type, size of files, link targets), paths relative to $T
snap() {
	find "$@" \( -type d -printf '%p d\n' \) -o -printf '%p %y %s %l\n' 2>/dev/null |
		sed "s|$T/||" | grep -v '/filler ' | sort
}

# mkmod S NAME: the fast fixture NAME/1.0 in $T/S/src; hooks and MAKE pass gates
# named NAME-<hook>, NAME-make-start and NAME-make-end.
mkmod() {
	local s=$1 n=$2 d="$T/$1/src/$2-1.0"
	mkdir -p "$d"
	sed "s/dkms_tiny/$n/g" "$TOP/examples/dkms_tiny/dkms_tiny.c" >"$d/$n.c"
	cp "$GATE" "$d/hook"
	cat >"$d/dkms.conf" <<EOF
PACKAGE_NAME="$n"
PACKAGE_VERSION="1.0"
BUILT_MODULE_NAME[0]="$n"
DEST_MODULE_LOCATION[0]="/extra"
AUTOINSTALL="yes"
MAKE[0]="'$GATE' $n-make-start && cp '$PREBUILT' $n.ko && '$GATE' $n-make-end"
POST_ADD="hook $n-post_add"
PRE_BUILD="hook $n-pre_build"
POST_BUILD="hook $n-post_build"
PRE_INSTALL="hook $n-pre_install"
POST_INSTALL="hook $n-post_install"
POST_REMOVE="hook $n-post_remove"
EOF
}

# wait_for FILE [SECONDS]: poll until FILE exists
wait_for() {
	local i
	for ((i = 0; i < ${2:-120} * 20; i++)); do
		[[ -e $1 ]] && return 0
		sleep 0.05
	done
	return 1
}
# arm NAME: the next pass through gate NAME waits (one gate armed at a time)
arm() { rm -f "$G"/arm-* "$G/at-$1" "$G/go-$1"; touch "$G/arm-$1"; }
release() { touch "$G/go-$1"; }

# bg S ARGS...: dkms on set S in its own session (own process group), in the background
bg() {
	local s=$1
	shift
	(cd "$T/$s" && exec env PATH="$T/bin:$PATH" TMPDIR="$T/$s/tmp" DKMS_ETC_DIR="$T/$s/etc" \
		setsid -w "$DKMS_BIN" --dkmstree "${DT:-$T/$s/tree}" --sourcetree "$T/$s/src" \
		--installtree "${IT:-$T/$s/inst}" "$@" >"$T/$s/bg.out" 2>"$T/$s/bg.err") &
	BG=$!
	BGS+=("$BG")
}
# bg_wait: wait for the last bg run; $rc
bg_wait() {
	wait "$BG" 2>/dev/null
	rc=$?
}
group_gone() {
	local i
	for ((i = 0; i < 600; i++)); do
		pgrep -g "$1" >/dev/null 2>&1 || return 0
		sleep 0.05
	done
	return 1
}

# lock_waiter DIR [SECONDS]: someone waits for the flock on DIR (a "->" line in /proc/locks)
lock_waiter() {
	local ino i
	ino=$(stat -c %i "$1")
	for ((i = 0; i < ${2:-60} * 20; i++)); do
		grep -qE -- "-> FLOCK +ADVISORY +WRITE +[0-9]+ [0-9a-f]+:[0-9a-f]+:$ino " /proc/locks && return 0
		sleep 0.05
	done
	return 1
}

# starttime PID: the process's start time (field 22 of /proc/PID/stat)
starttime() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	read -ra st <<<"$st"
	echo "${st[19]}"
}
# descendants PID: every process below PID, whatever its process group, as PID:STARTTIME
descendants() {
	local todo=("$1") p c
	while ((${#todo[@]})); do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		for c in $(pgrep -P "$p"); do
			echo "$c:$(starttime "$c")"
			todo+=("$c")
		done
	done
}
# alive PID:STARTTIME...: the pids of those still running (not a zombie, not a reused pid)
alive() {
	local c st
	for c in "$@"; do
		st=$(cat "/proc/${c%%:*}/stat" 2>/dev/null) || continue
		[[ ${st##*) } == Z* ]] && continue
		[[ $(starttime "${c%%:*}") == "${c#*:}" ]] && echo "${c%%:*}"
	done
}

# kill_at NAME GATE: wait for the gate, kill -9 the process group, reap it
kill_at() {
	local name=$1 gate=$2 pg
	if ! wait_for "$G/at-$gate"; then
		rm -f "$G/arm-$gate"
		not_ok "$name: reached $gate"
		cat "$T"/*/bg.out "$T"/*/bg.err 2>/dev/null | tail -n 20 | diag
		kill -9 -- "-$BG" 2>/dev/null
		bg_wait
		return 1
	fi
	pg=$(cat "$G/at-$gate")
	kill -9 -- "-$pg"
	bg_wait
	if group_gone "$pg" && [[ $rc == 137 ]]; then ok "$name: killed with -9 at $gate"; else
		not_ok "$name: killed with -9 at $gate (exit $rc, group $pg left: $(pgrep -g "$pg" | tr '\n' ' '))"
	fi
	rm -f "$G/at-$gate" "$G/arm-$gate"
}

# no_tmp NAME DIR: no .tmp_* staging dir and no *.tmpXXXXXX copy left under DIR
no_tmp() {
	local left
	left=$(find "$2" \( -name '.tmp_*' -o -name '*.tmp??????' -o -name '*.dkms-new' \) 2>/dev/null)
	if [[ -z $left ]]; then ok "$1"; else
		not_ok "$1"
		echo "$left" | sed "s|$T/||" | diag
	fi
}

# same_listing NAME FILE_BEFORE S DIR...: snap of DIR... (relative to $T/S) equals FILE_BEFORE
same_listing() {
	local name=$1 before=$2 s=$3
	shift 3
	(cd "$T/$s" && snap "$@") >"$T/.after"
	expect_same "$name" "$before" "$T/.after"
}

S_ADDED="dkms_tiny/1.0: added"
S_BUILT="dkms_tiny/1.0, $K, $ARCH: built"
S_INST="dkms_tiny/1.0, $K, $ARCH: installed"

######################################################################
# 0. A real build of dkms_tiny, killed once inside kbuild.
######################################################################
newset R
cp -a "$TOP/examples/dkms_tiny" "$T/R/src/dkms_tiny-1.0"
echo "\$(shell '$GATE' kbuild)" >>"$T/R/src/dkms_tiny-1.0/Makefile"
step "real: add dkms_tiny/1.0" R 0 add dkms_tiny/1.0
arm kbuild
bg R build -k "$K" dkms_tiny/1.0
kill_at "real: build" kbuild
status_is "real: status after kill -9 inside kbuild: added" R "$S_ADDED"
step "real: build again after the kill" R 0 build -k "$K" dkms_tiny/1.0
status_is "real: status built" R "$S_BUILT"
no_tmp "real: no staging dir left" "$T/R/tree"
PREBUILT=$T/dkms_tiny.ko
cp "$T/R/tree/dkms_tiny/1.0/$K/$ARCH/module/dkms_tiny.ko" "$PREBUILT" 2>/dev/null
if [[ ! -s $PREBUILT ]]; then
	not_ok "real build produced dkms_tiny.ko; the rest needs it"
	exit 1
fi

######################################################################
# 1. The lock.
######################################################################
# Set L runs the commands concurrently, set Q one after the other.
for s in L Q; do
	newset $s
	mkmod $s dkms_tiny
	mkmod $s dkms_tiny_b
done
# cmp_runs NAME: the outputs of set L's run and set Q's run are the same
declare -A LOUT
record() { # record SET KEY FILE_OUT FILE_ERR
	{
		norm "$1" "$3"
		echo "--- stderr"
		norm "$1" "$4"
		echo "--- exit $rc"
	} >"$T/$1/rec.$2"
}
same_run() {
	expect_same "$1" "$T/Q/rec.$2" "$T/L/rec.$2"
}

for s in L Q; do
	step "lock $s: add A" $s 0 add dkms_tiny/1.0
	step "lock $s: add B" $s 0 add dkms_tiny_b/1.0
done

# -- build A held in PRE_BUILD, build B waits; status answers meanwhile
arm dkms_tiny-pre_build
bg L build -k "$K" dkms_tiny/1.0
A=$BG
if wait_for "$G/at-dkms_tiny-pre_build"; then
	ok "lock: build A holds the tree in PRE_BUILD"
	bgB_out=$T/L/b.out
	(cd "$T/L" && exec env PATH="$T/bin:$PATH" TMPDIR="$T/L/tmp" DKMS_ETC_DIR="$T/L/etc" \
		"$DKMS_BIN" --dkmstree "$T/L/tree" --sourcetree "$T/L/src" --installtree "$T/L/inst" \
		build -k "$K" dkms_tiny_b/1.0 >"$bgB_out" 2>"$T/L/b.err") &
	B=$!
	if lock_waiter "$T/L/tree" && kill -0 $B 2>/dev/null && [[ ! -e $T/L/tree/dkms_tiny_b/1.0/$K ]]; then
		ok "lock: build B waits for the tree lock (seen in /proc/locks), nothing built yet"
	else
		not_ok "lock: build B waits for the tree lock"
		cat /proc/locks | diag
	fi
	(cd "$T/L" && exec timeout -s KILL 60 env DKMS_ETC_DIR="$T/L/etc" "$DKMS_BIN" --dkmstree "$T/L/tree" \
		--sourcetree "$T/L/src" --installtree "$T/L/inst" status >"$T/L/out" 2>&1)
	rc=$?
	if [[ $rc == 0 ]] && kill -0 "$A" 2>/dev/null && [[ ! -e $G/go-dkms_tiny-pre_build ]]; then
		ok "lock: status returns while build A still runs and holds the lock"
	else
		not_ok "lock: status returns while build A still runs (exit $rc)"
	fi
	printf '%s\n%s\n' "$S_ADDED" "dkms_tiny_b/1.0: added" >"$T/L/want"
	expect_same "lock: status during the build shows both added" "$T/L/want" "$T/L/out"
	release dkms_tiny-pre_build
	bg_wait
	record L buildA "$T/L/bg.out" "$T/L/bg.err"
	wait $B
	rc=$?
	record L buildB "$bgB_out" "$T/L/b.err"
else
	not_ok "lock: build A holds the tree in PRE_BUILD"
	kill -9 -- "-$A"
fi
dkx Q build -k "$K" dkms_tiny/1.0
record Q buildA "$T/Q/out" "$T/Q/err"
dkx Q build -k "$K" dkms_tiny_b/1.0
record Q buildB "$T/Q/out" "$T/Q/err"
same_run "lock: build A output as if alone" buildA
same_run "lock: build B (waited) output as if run after A" buildB

# -- install A held in POST_INSTALL, a second install A waits, then skips
arm dkms_tiny-post_install
bg L install -k "$K" dkms_tiny/1.0 --no-depmod
if wait_for "$G/at-dkms_tiny-post_install"; then
	(cd "$T/L" && exec env PATH="$T/bin:$PATH" TMPDIR="$T/L/tmp" DKMS_ETC_DIR="$T/L/etc" \
		"$DKMS_BIN" --dkmstree "$T/L/tree" --sourcetree "$T/L/src" --installtree "$T/L/inst" \
		install -k "$K" dkms_tiny/1.0 --no-depmod >"$T/L/b.out" 2>"$T/L/b.err") &
	B=$!
	if lock_waiter "$T/L/tree" && kill -0 $B 2>/dev/null; then
		ok "lock: a second install of A waits while A installs"
	else
		not_ok "lock: a second install of A waits while A installs"
	fi
	release dkms_tiny-post_install
	bg_wait
	record L inst1 "$T/L/bg.out" "$T/L/bg.err"
	wait $B
	rc=$?
	record L inst2 "$T/L/b.out" "$T/L/b.err"
else
	not_ok "lock: install A reaches POST_INSTALL"
	kill -9 -- "-$BG"
fi
dkx Q install -k "$K" dkms_tiny/1.0 --no-depmod
record Q inst1 "$T/Q/out" "$T/Q/err"
dkx Q install -k "$K" dkms_tiny/1.0 --no-depmod
record Q inst2 "$T/Q/out" "$T/Q/err"
same_run "lock: install A output as if alone" inst1
same_run "lock: the waiting install of A skips, as when run after it" inst2

# -- uninstall A held in POST_REMOVE, remove B waits
arm dkms_tiny-post_remove
bg L uninstall -k "$K" dkms_tiny/1.0 --no-depmod
if wait_for "$G/at-dkms_tiny-post_remove"; then
	(cd "$T/L" && exec env PATH="$T/bin:$PATH" TMPDIR="$T/L/tmp" DKMS_ETC_DIR="$T/L/etc" \
		"$DKMS_BIN" --dkmstree "$T/L/tree" --sourcetree "$T/L/src" --installtree "$T/L/inst" \
		remove dkms_tiny_b/1.0 --all --no-depmod >"$T/L/b.out" 2>"$T/L/b.err") &
	B=$!
	if lock_waiter "$T/L/tree" && kill -0 $B 2>/dev/null && [[ -d $T/L/tree/dkms_tiny_b/1.0/$K ]]; then
		ok "lock: remove B waits while A uninstalls"
	else
		not_ok "lock: remove B waits while A uninstalls"
	fi
	release dkms_tiny-post_remove
	bg_wait
	record L uninst "$T/L/bg.out" "$T/L/bg.err"
	wait $B
	rc=$?
	record L removeB "$T/L/b.out" "$T/L/b.err"
else
	not_ok "lock: uninstall A reaches POST_REMOVE"
	kill -9 -- "-$BG"
fi
dkx Q uninstall -k "$K" dkms_tiny/1.0 --no-depmod
record Q uninst "$T/Q/out" "$T/Q/err"
dkx Q remove dkms_tiny_b/1.0 --all --no-depmod
record Q removeB "$T/Q/out" "$T/Q/err"
same_run "lock: uninstall A output as if alone" uninst
same_run "lock: remove B output as if run after it" removeB

status_is "lock: final status" L "$S_BUILT"
(cd "$T/L" && snap tree src inst) | sed 's| L/src/| src/|' >"$T/L/final"
(cd "$T/Q" && snap tree src inst) | sed 's| Q/src/| src/|' >"$T/Q/final"
expect_same "lock: concurrent and sequential runs leave the same files" "$T/Q/final" "$T/L/final"

# -- remove A waits for a build of A, then removes what it built
for s in L Q; do step "lock $s: unbuild A" $s 0 unbuild -k "$K" dkms_tiny/1.0; done
arm dkms_tiny-make-start
bg L build -k "$K" dkms_tiny/1.0
if wait_for "$G/at-dkms_tiny-make-start"; then
	(cd "$T/L" && exec env PATH="$T/bin:$PATH" TMPDIR="$T/L/tmp" DKMS_ETC_DIR="$T/L/etc" \
		"$DKMS_BIN" --dkmstree "$T/L/tree" --sourcetree "$T/L/src" --installtree "$T/L/inst" \
		remove dkms_tiny/1.0 --all --no-depmod >"$T/L/b.out" 2>"$T/L/b.err") &
	B=$!
	if lock_waiter "$T/L/tree" && kill -0 $B 2>/dev/null && [[ -L $T/L/tree/dkms_tiny/1.0/source ]]; then
		ok "lock: remove A waits while A builds"
	else
		not_ok "lock: remove A waits while A builds"
	fi
	release dkms_tiny-make-start
	bg_wait
	record L build2 "$T/L/bg.out" "$T/L/bg.err"
	wait $B
	rc=$?
	record L removeA "$T/L/b.out" "$T/L/b.err"
else
	not_ok "lock: build A reaches make"
	kill -9 -- "-$BG"
fi
dkx Q build -k "$K" dkms_tiny/1.0
record Q build2 "$T/Q/out" "$T/Q/err"
dkx Q remove dkms_tiny/1.0 --all --no-depmod
record Q removeA "$T/Q/out" "$T/Q/err"
same_run "lock: build A output as if alone (2)" build2
same_run "lock: remove A (waited) output as if run after the build" removeA
status_is "lock: nothing left" L ""

# -- a hook that calls dkms on the same tree must not deadlock on the lock
newset H
mkmod H dkms_tiny
cat >"$T/H/src/dkms_tiny-1.0/nested" <<EOF
#!/bin/sh
exec '$DKMS_BIN' --dkmstree '$T/H/tree' --sourcetree '$T/H/src' --installtree '$T/H/inst' status dkms_tiny
EOF
chmod +x "$T/H/src/dkms_tiny-1.0/nested"
sed -i 's|^POST_ADD=.*|POST_ADD="nested"|' "$T/H/src/dkms_tiny-1.0/dkms.conf"
(cd "$T/H" && timeout -s KILL 60 env DKMS_ETC_DIR="$T/H/etc" "$DKMS_BIN" --dkmstree "$T/H/tree" \
	--sourcetree "$T/H/src" --installtree "$T/H/inst" add dkms_tiny/1.0 >"$T/H/out" 2>&1)
rc=$?
if [[ $rc == 0 ]] && grep -qx "$S_ADDED" "$T/H/out"; then ok "lock: a POST_ADD hook running dkms status sees the module"; else
	not_ok "lock: a POST_ADD hook running dkms status (exit $rc)"
	diag <"$T/H/out"
fi
cat >"$T/H/src/dkms_tiny-1.0/nested" <<EOF
#!/bin/sh
exec '$DKMS_BIN' --dkmstree '$T/H/tree' --sourcetree '$T/H/src' --installtree '$T/H/inst' build -k '$K' dkms_tiny_b/1.0
EOF
mkmod H dkms_tiny_b
sed -i 's|^POST_INSTALL=.*|POST_INSTALL="nested"|' "$T/H/src/dkms_tiny-1.0/dkms.conf"
# nobody else uses tree H: a waiter on its lock while the outer run is alive
# can only be the hook's dkms waiting for its own parent, a deadlock
bg H install -k "$K" dkms_tiny/1.0 --no-depmod
deadlock=
for ((i = 0; i < 2400; i++)); do
	kill -0 "$BG" 2>/dev/null || break
	if grep -qE -- "-> FLOCK +ADVISORY +WRITE +[0-9]+ [0-9a-f]+:[0-9a-f]+:$(stat -c %i "$T/H/tree") " /proc/locks; then
		deadlock=1
		break
	fi
	sleep 0.05
done
if [[ -n $deadlock ]]; then
	pkill -KILL -s "$BG"
	bg_wait
	not_ok "lock: a POST_INSTALL hook that builds another module on the same tree does not deadlock (the hook's dkms waits for its parent's lock)"
	tail -n 3 "$T/H/bg.out" | diag
else
	bg_wait
	if [[ $rc == 0 ]]; then ok "lock: a POST_INSTALL hook that builds another module on the same tree does not deadlock"; else
		not_ok "lock: a POST_INSTALL hook that builds another module on the same tree (exit $rc)"
		cat "$T/H/bg.out" "$T/H/bg.err" | tail -n 5 | diag
	fi
fi

######################################################################
# 2. kill -9 at every point.
######################################################################
# recover NAME S: build, install, uninstall, remove --all all succeed and leave
# the dkms tree empty, the install tree and the source tree as they were.
recover() {
	local name=$1 s=$2
	step "$name: then build" "$s" 0 build -k "$K" dkms_tiny/1.0
	step "$name: then install" "$s" 0 install -k "$K" dkms_tiny/1.0 --no-depmod
	status_is "$name: installed" "$s" "$S_INST"
	step "$name: then uninstall" "$s" 0 uninstall -k "$K" dkms_tiny/1.0 --no-depmod
	step "$name: then remove --all" "$s" 0 remove dkms_tiny/1.0 --all --no-depmod
	status_is "$name: status empty" "$s" ""
	no_tmp "$name: no staging or temp file left" "$T/$s"
	(cd "$T/$s" && snap tree) >"$T/$s/tree.now"
	if [[ ! -s $T/$s/tree.now || $(cat "$T/$s/tree.now") == "tree d" ]]; then ok "$name: dkms tree empty"; else
		not_ok "$name: dkms tree empty"
		diag <"$T/$s/tree.now"
	fi
	(cd "$T/$s" && snap inst src) >"$T/$s/is.now"
	expect_same "$name: install and source trees as before" "$T/$s/is.before" "$T/$s/is.now"
}
# killset S: a fresh set with the fast fixture; records the install/source listing
killset() {
	newset "$1"
	mkmod "$1" dkms_tiny
	(cd "$T/$1" && snap inst src) >"$T/$1/is.before"
}

# kill_case NAME S GATE STATUS_AFTER ARGS...: run ARGS, kill at GATE, check status
kill_case() {
	local name=$1 s=$2 gate=$3 want=$4
	shift 4
	arm "$gate"
	bg "$s" "$@"
	kill_at "$name" "$gate" || return 1
	status_is "$name: status after the kill" "$s" "$want"
}

killset KA
kill_case "kill add in POST_ADD" KA dkms_tiny-post_add "$S_ADDED" add dkms_tiny/1.0
recover "kill add in POST_ADD" KA

for point in pre_build make-start make-end post_build; do
	s=KB_${point//-/_}
	killset "$s"
	step "kill build in $point: add" "$s" 0 add dkms_tiny/1.0
	want=$S_ADDED
	[[ $point == post_build ]] && want=$S_BUILT
	kill_case "kill build in $point" "$s" "dkms_tiny-$point" "$want" build -k "$K" dkms_tiny/1.0
	if [[ $point == post_build && ! -f $T/$s/tree/dkms_tiny/1.0/$K/$ARCH/log/make.log ]]; then
		# committed by rename before POST_BUILD, as dkms does: the log stays in build/
		echo "# note: killed in POST_BUILD, the module is built but its make.log is still in build/"
	fi
	recover "kill build in $point" "$s"
done

# between staging (.tmp_<arch>_XXXXXX) and the commit rename: strip runs there
killset KS
step "kill build while staging: add" KS 0 add dkms_tiny/1.0
kill_case "kill build while staging (strip)" KS strip "$S_ADDED" build -k "$K" dkms_tiny/1.0
step "kill build while staging: build again" KS 0 build -k "$K" dkms_tiny/1.0
status_is "kill build while staging: built" KS "$S_BUILT"
stale=$(find "$T/KS/tree" -name '.tmp_*')
[[ -n $stale ]] && echo "# note: the next build leaves the stale ${stale#"$T"/} in place; remove cleans it"
step "kill build while staging: unbuild" KS 0 unbuild -k "$K" dkms_tiny/1.0
status_is "kill build while staging: added after unbuild" KS "$S_ADDED"
recover "kill build while staging" KS

for point in pre_install post_install; do
	s=KI_${point}
	killset "$s"
	step "kill install in $point: build" "$s" 0 build -k "$K" dkms_tiny/1.0
	# the journalled install is completed by the next run (status) either way
	want=$S_INST
	kill_case "kill install in $point" "$s" "dkms_tiny-$point" "$want" install -k "$K" dkms_tiny/1.0 --no-depmod
	recover "kill install in $point" "$s"
done

for act in uninstall remove; do
	s=KR_$act
	killset "$s"
	step "kill $act in POST_REMOVE: install" "$s" 0 install -k "$K" dkms_tiny/1.0 --no-depmod
	if [[ $act == uninstall ]]; then set -- uninstall -k "$K"; else set -- remove --all; fi
	# the next run (status) finishes the journalled removal: nothing is left
	want=$S_BUILT
	[[ $act == remove ]] && want=""
	kill_case "kill $act in POST_REMOVE" "$s" dkms_tiny-post_remove "$want" "$@" dkms_tiny/1.0 --no-depmod
	recover "kill $act in POST_REMOVE" "$s"
done

# an original module in the kernel tree, killed after install and in uninstall:
# the original comes back
s=KO
killset $s
mkdir -p "$T/$s/inst/$K/kernel/drivers/misc"
cp "$PREBUILT" "$T/$s/inst/$K/kernel/drivers/misc/dkms_tiny.ko"
printf 'the original\n' >>"$T/$s/inst/$K/kernel/drivers/misc/dkms_tiny.ko"
(cd "$T/$s" && snap inst src) >"$T/$s/is.before"
step "kill with an original module: build" $s 0 build -k "$K" dkms_tiny/1.0
kill_case "kill install with an original module in POST_INSTALL" $s dkms_tiny-post_install \
	"dkms_tiny/1.0, $K, $ARCH: installed (Original modules exist)" install -k "$K" dkms_tiny/1.0 --no-depmod --force
kill_case "kill uninstall with an original module in POST_REMOVE" $s dkms_tiny-post_remove "$S_BUILT" \
	uninstall -k "$K" dkms_tiny/1.0 --no-depmod
(cd "$T/$s" && snap inst src) >"$T/$s/is.now"
expect_same "kill with an original module: the original is back after the killed uninstall" \
	"$T/$s/is.before" "$T/$s/is.now"
step "kill with an original module: remove" $s 0 remove dkms_tiny/1.0 --all --no-depmod
status_is "kill with an original module: status empty" $s ""
(cd "$T/$s" && snap tree) >"$T/$s/tree.now"
if [[ $(cat "$T/$s/tree.now") == "tree d" ]]; then ok "kill with an original module: dkms tree empty"; else
	not_ok "kill with an original module: dkms tree empty"
	diag <"$T/$s/tree.now"
fi

# build --force of an installed module: the installed build stays until the new
# one is committed (dkms 3.4.3 deletes it first, leaving the installed .ko behind
# a dangling kernel link and `status` saying "added")
s=KF
killset $s
step "build --force of an installed module: install" $s 0 install -k "$K" dkms_tiny/1.0 --no-depmod
kill_case "kill build --force of an installed module in PRE_BUILD" $s dkms_tiny-pre_build "$S_INST" \
	build --force -k "$K" dkms_tiny/1.0
step "kill build --force of an installed module: install" $s 0 install -k "$K" dkms_tiny/1.0 --no-depmod
status_is "kill build --force of an installed module: installed" $s "$S_INST"
cp "$T/$s/src/dkms_tiny-1.0/dkms.conf" "$T/$s/conf.good"
sed -i 's|^MAKE\[0\]=.*|MAKE[0]="false"|' "$T/$s/src/dkms_tiny-1.0/dkms.conf"
step "failing build --force of an installed module: exit 10" $s 10 build --force -k "$K" dkms_tiny/1.0
status_is "failing build --force of an installed module: still installed" $s "$S_INST"
cp "$T/$s/conf.good" "$T/$s/src/dkms_tiny-1.0/dkms.conf"
step "build --force of an installed module: uninstall" $s 0 uninstall -k "$K" dkms_tiny/1.0 --no-depmod
step "build --force of an installed module: remove" $s 0 remove dkms_tiny/1.0 --all --no-depmod
(cd "$T/$s" && snap inst src) >"$T/$s/is.now"
expect_same "build --force of an installed module: install and source trees as before" "$T/$s/is.before" "$T/$s/is.now"
if [[ $(cd "$T/$s" && snap tree) == "tree d" ]]; then ok "build --force of an installed module: dkms tree empty"; else
	not_ok "build --force of an installed module: dkms tree empty"
	(cd "$T/$s" && snap tree) | diag
fi

# depmod after install: killed in it, and failing (dkms rolls back, exit 6)
s=KD
killset $s
touch "$T/$s/inst/$K/modules.dep"
mkdir -p "$T/$s/inst/$K/kernel/drivers/misc"
printf 'the original\n' >"$T/$s/inst/$K/kernel/drivers/misc/dkms_tiny.ko"
(cd "$T/$s" && snap inst src) >"$T/$s/is.before"
step "depmod: build" $s 0 build -k "$K" dkms_tiny/1.0
touch "$G/depmod-fails"
step "depmod fails after install: exit 6" $s 6 install -k "$K" dkms_tiny/1.0
rm -f "$G/depmod-fails"
if grep -q "^Install Failed (depmod problems). Module rolled back to built state.$" "$T/$s/err"; then
	ok "depmod fails after install: says it rolled back"
else
	not_ok "depmod fails after install: says it rolled back"
	cat "$T/$s/out" "$T/$s/err" | diag
fi
status_is "depmod fails after install: built" $s "$S_BUILT"
(cd "$T/$s" && snap inst src) >"$T/$s/is.now"
expect_same "depmod fails after install: install tree as before, the original in place" "$T/$s/is.before" "$T/$s/is.now"
kill_case "kill install in depmod" $s depmod "dkms_tiny/1.0, $K, $ARCH: installed (Original modules exist)" \
	install -k "$K" dkms_tiny/1.0
step "kill install in depmod: uninstall" $s 0 uninstall -k "$K" dkms_tiny/1.0
step "kill install in depmod: remove" $s 0 remove dkms_tiny/1.0 --all
status_is "kill install in depmod: status empty" $s ""
(cd "$T/$s" && snap inst src) >"$T/$s/is.now"
expect_same "kill install in depmod: install tree as before, the original in place" "$T/$s/is.before" "$T/$s/is.now"
if [[ $(cd "$T/$s" && snap tree) == "tree d" ]]; then ok "kill install in depmod: dkms tree empty"; else
	not_ok "kill install in depmod: dkms tree empty"
	(cd "$T/$s" && snap tree) | diag
fi

######################################################################
# 3. Bad input.
######################################################################
# bad NAME S WANT_RC ERROR_REGEX ARGS...: exit code, an error line matching the
# regex, and the dkms, source and install trees unchanged
bad() {
	local name=$1 s=$2 want=$3 re=$4
	shift 4
	(cd "$T/$s" && snap tree src inst tmp) >"$T/$s/bad.before"
	step "$name: exit $want" "$s" "$want" "$@"
	if grep -qE -- "$re" "$T/$s/err"; then ok "$name: error names it"; else
		not_ok "$name: error names it (want /$re/)"
		cat "$T/$s/out" "$T/$s/err" | diag
	fi
	(cd "$T/$s" && snap tree src inst tmp) >"$T/$s/bad.after"
	expect_same "$name: trees unchanged" "$T/$s/bad.before" "$T/$s/bad.after"
}

newset C
base_conf() {
	cat <<EOF
PACKAGE_NAME="dkms_tiny"
PACKAGE_VERSION="1.0"
BUILT_MODULE_NAME[0]="dkms_tiny"
DEST_MODULE_LOCATION[0]="/extra"
AUTOINSTALL="yes"
EOF
}
# conf_case NAME RC REGEX: $T/C/src/dkms_tiny-1.0/dkms.conf is the bad one; add fails
conf_case() {
	bad "bad conf ($1)" C "$2" "$3" add dkms_tiny/1.0
}
cp -a "$TOP/examples/dkms_tiny" "$T/C/src/dkms_tiny-1.0"
CF=$T/C/src/dkms_tiny-1.0/dkms.conf
base_conf | grep -v PACKAGE_NAME >"$CF"
conf_case "no PACKAGE_NAME" 8 "^dkms.conf: Error! No 'PACKAGE_NAME' directive specified.$"
base_conf | sed 's|"/extra"|"/usr/lib/foo"|' >"$CF"
conf_case "DEST_MODULE_LOCATION=/usr/lib/foo" 8 "Error! Directive 'DEST_MODULE_LOCATION' does not begin with"
base_conf | sed 's|AUTOINSTALL="yes"|AUTOINSTALL="maybe"|' >"$CF"
conf_case "AUTOINSTALL=maybe" 8 "Error! Unsupported AUTOINSTALL value 'maybe'"
{
	echo 'PACKAGE_NAME="dkms_tiny'
	base_conf | grep -v PACKAGE_NAME
} >"$CF"
conf_case "unterminated quote in line 1" 8 "dkms.conf: line [0-9]+: unexpected EOF while looking for matching"
{
	echo 'if then fi'
	base_conf
} >"$CF"
conf_case "shell syntax error in line 1" 8 "dkms.conf: line 1: syntax error near unexpected token"
{
	base_conf
	echo 'exit 3'
} >"$CF"
conf_case "exit 3" 8 "File: .*/dkms_tiny-1.0/dkms.conf does not represent a valid dkms.conf file"
# a syntax error after the directives: dkms sources what it can and adds (exit 0),
# after bash's message naming file and line
{
	base_conf
	echo 'if then fi'
} >"$CF"
step "conf with a syntax error after the directives: added, as dkms" C 0 add dkms_tiny/1.0
if grep -q "dkms.conf: line 6: syntax error near unexpected token" "$T/C/err"; then ok "conf syntax error: bash names file and line"; else
	not_ok "conf syntax error: bash names file and line"
	diag <"$T/C/err"
fi
step "conf with a syntax error: remove" C 0 remove dkms_tiny/1.0 --all
# a conf that never ends
{
	base_conf
	echo 'while :; do :; done'
} >"$CF"
(cd "$T/C" && snap tree src inst tmp) >"$T/C/bad.before"
# DKMS_CONF_TIMEOUT (default 120 s) bounds the evaluation
export DKMS_CONF_TIMEOUT=2
bg C add dkms_tiny/1.0
unset DKMS_CONF_TIMEOUT
for ((i = 0; i < 1200; i++)); do
	[[ -n $(pgrep -P "$BG") ]] && break
	sleep 0.05
done
sleep 0.3
desc=($(descendants "$BG"))
for ((i = 0; i < 1200; i++)); do
	kill -0 "$BG" 2>/dev/null || break
	sleep 0.05
done
if kill -0 "$BG" 2>/dev/null; then
	kill -9 -- "-$BG"
	bg_wait
	not_ok "conf that loops forever: dkms gives up after DKMS_CONF_TIMEOUT=2 (still evaluating after 60 s)"
else
	bg_wait
	if [[ $rc == 8 ]]; then ok "conf that loops forever: dkms gives up after DKMS_CONF_TIMEOUT=2, exit 8"; else
		not_ok "conf that loops forever: dkms gives up after DKMS_CONF_TIMEOUT=2, exit 8 (exit $rc)"
	fi
	if grep -q "^dkms.conf: Error! Could not evaluate $CF with bash: Timer expired" "$T/C/bg.err"; then
		ok "conf that loops forever: the error names the file and the timeout"
	else
		not_ok "conf that loops forever: the error names the file and the timeout"
		diag <"$T/C/bg.err"
	fi
fi
sleep 0.5
left=$(alive "${desc[@]}" | tr '\n' ' ')
if [[ -z $left ]]; then ok "conf that loops forever: nothing left running after the timeout"; else
	not_ok "conf that loops forever: nothing left running after the timeout (pids $left)"
	ps -o pid,ppid,pgid,stat,etime,args -p "$(echo $left | tr " " ",")" | cut -c1-100 | diag
	kill -9 $left 2>/dev/null
fi
group_gone "$BG"
same_listing "conf that loops forever: trees unchanged" "$T/C/bad.before" C tree src inst tmp
# the same, dkms alone killed by SIGTERM: its evaluating shells (whatever their
# process group) must not outlive it
bg C add dkms_tiny/1.0
for ((i = 0; i < 1200; i++)); do
	[[ -n $(pgrep -P "$BG") ]] && break
	sleep 0.05
done
sleep 0.3
desc=($(descendants "$BG"))
kill -TERM "$BG"
bg_wait
sleep 0.5
left=$(alive "${desc[@]}" | tr '\n' ' ')
if [[ -z $left ]]; then ok "conf that loops forever: SIGTERM to dkms ends its evaluation too"; else
	not_ok "conf that loops forever: SIGTERM to dkms leaves its evaluating shells running (pids $left)"
	ps -o pid,ppid,pgid,stat,etime,args -p "$(echo $left | tr " " ",")" | cut -c1-100 | diag
	for c in $left; do kill -9 "$c" 2>/dev/null; done
fi
kill -9 -- "-$BG" 2>/dev/null
group_gone "$BG"

# missing headers, failing build, unknown module/version
newset E
mkmod E dkms_tiny
mkdir -p "$T/E/inst/6.1.0-99-amd64"
step "bad input: add" E 0 add dkms_tiny/1.0
bad "no headers for the kernel" E 21 "^Error! Your kernel headers for kernel 6.1.0-99-amd64 cannot be found at" \
	build -k 6.1.0-99-amd64 dkms_tiny/1.0
bad "install onto a kernel with no modules dir" E 21 "kernel headers for kernel 6.1.0-98-amd64 cannot be found" \
	install -k 6.1.0-98-amd64 dkms_tiny/1.0 --no-depmod
for a in build install uninstall remove; do
	want=3
	[[ $a == build || $a == install ]] && want=2
	bad "$a of an unknown module" E $want "^(Error! Could not find module source directory|Error! The module/version combo: nosuch/1.0 is not located in the DKMS tree)" \
		"$a" -k "$K" nosuch/1.0
	bad "$a of an unknown version" E $want "^(Error! Could not find module source directory|Error! The module/version combo: dkms_tiny/9.9 is not located in the DKMS tree)" \
		"$a" -k "$K" dkms_tiny/9.9
done
sed -i "s|^MAKE\\[0\\]=.*|MAKE[0]=\"echo the compiler says no; false\"|" "$T/E/src/dkms_tiny-1.0/dkms.conf"
(cd "$T/E" && snap tree) >"$T/E/fb.before"
step "failing build: exit 10" E 10 build -k "$K" dkms_tiny/1.0
if grep -qx "Consult $T/E/tree/dkms_tiny/1.0/build/make.log for more information." "$T/E/err" &&
	grep -q "the compiler says no" "$T/E/tree/dkms_tiny/1.0/build/make.log"; then
	ok "failing build: the error points at make.log, which holds make's output"
else
	not_ok "failing build: the error points at make.log"
	diag <"$T/E/err"
fi
status_is "failing build: still added" E "$S_ADDED"
(cd "$T/E" && snap tree) | grep -v '^tree/dkms_tiny/1.0/build/' >"$T/E/fb.after"
expect_same "failing build: only build/ (with make.log) changed, no kernel dir" "$T/E/fb.before" "$T/E/fb.after"

# hostile tarballs: refused before anything is written
newset X
mkdir -p "$T/X/w/dkms_source_tree" "$T/X/outside"
echo victim >"$T/X/outside/victim"
base_conf >"$T/X/w/dkms_source_tree/dkms.conf"
O=$T/X/outside
(
	cd "$T/X/w" || exit 1
	echo x >"$O/abs-evil"
	tar -cPzf ../abs.tar.gz ./dkms_source_tree "$O/abs-evil"
	rm "$O/abs-evil"
	echo x >../dotdot-evil
	tar -cPzf ../dotdot.tar.gz ./dkms_source_tree ./dkms_source_tree/../../dotdot-evil
	rm ../dotdot-evil
	ln -s "$O" dkms_source_tree/esc
	echo x >"$O/through-link"
	tar -cPzf ../symlink-abs.tar.gz ./dkms_source_tree ./dkms_source_tree/esc/through-link
	rm dkms_source_tree/esc
	ln -s "../../../../../../../../../../../..$O" dkms_source_tree/esc
	tar -cPzf ../symlink-rel.tar.gz ./dkms_source_tree ./dkms_source_tree/esc/through-link
	rm dkms_source_tree/esc "$O/through-link"
	mknod dkms_source_tree/null c 1 3 && tar -cPzf ../device.tar.gz ./dkms_source_tree
	rm -f dkms_source_tree/null
	mkdir -p dkms_main_tree/"$K/$ARCH"/module
	echo x >../up-evil
	tar -cPzf ../main-dotdot.tar.gz ./dkms_source_tree ./dkms_main_tree ./dkms_main_tree/../../up-evil
	rm ../up-evil
) >/dev/null 2>&1
for tb in abs dotdot symlink-abs symlink-rel device main-dotdot; do
	if [[ ! -s $T/X/$tb.tar.gz ]]; then
		skip "hostile tarball $tb" "could not make it"
		continue
	fi
	(cd "$T/X" && snap outside) >"$T/X/out.before"
	bad "hostile tarball $tb" X 3 "^Error! Refusing to extract $T/X/$tb.tar.gz: entry '.*' (has an absolute path|has a '..' component|is a symlink to an absolute path|is a symlink pointing outside the archive|is a device node)" \
		ldtarball "$T/X/$tb.tar.gz"
	same_listing "hostile tarball $tb: nothing written outside" "$T/X/out.before" X outside
	n=$(grep -c '^Error!' "$T/X/err")
	if [[ $n == 1 ]]; then ok "hostile tarball $tb: one error"; else not_ok "hostile tarball $tb: one error ($n)"; fi
done

######################################################################
# 4. Full disk and read-only install tree (private mount namespace).
######################################################################
# tmpfs DIR SIZE: a private tmpfs
tmpfs() {
	mkdir -p "$1" && mount -t tmpfs -o "size=$2" safety "$1" && MOUNTS+=("$1")
}
# fill DIR: fill the file system of DIR (file DIR/filler)
fill() { dd if=/dev/zero of="$1/filler" bs=64k >/dev/null 2>&1; sync; }

if [[ -z $NS ]] || ! tmpfs "$T/probe" 1m; then
	skip "full disk and read-only install tree" "no private mount namespace (unshare -m)"
else
	umount "$T/probe"

	# F1: dkms tree fills up while the build stages its modules
	newset F1
	mkmod F1 dkms_tiny
	tmpfs "$T/F1/fs" 4m
	export DT=$T/F1/fs/tree
	mkdir -p "$DT"
	step "full dkms tree at staging: add" F1 0 add dkms_tiny/1.0
	(cd "$T/F1" && snap inst src fs) >"$T/F1/before"
	arm strip
	bg F1 build -k "$K" dkms_tiny/1.0
	if wait_for "$G/at-strip"; then
		fill "$T/F1/fs"
		release strip
		bg_wait
		if [[ $rc != 0 ]]; then ok "full dkms tree at staging: build fails (exit $rc)"; else not_ok "full dkms tree at staging: build fails"; fi
		if grep -q '^Error!' "$T/F1/bg.err" && grep -qi 'space' "$T/F1/bg.err"; then ok "full dkms tree at staging: error says no space"; else
			not_ok "full dkms tree at staging: error says no space"
			cat "$T/F1/bg.out" "$T/F1/bg.err" | diag
		fi
		no_tmp "full dkms tree at staging: no staging dir left" "$T/F1/fs"
		[[ ! -e $DT/dkms_tiny/1.0/$K ]] && ok "full dkms tree at staging: no kernel dir" || not_ok "full dkms tree at staging: no kernel dir"
		status_is "full dkms tree at staging: still added" F1 "$S_ADDED"
		rm -f "$T/F1/fs/filler"
		step "full dkms tree at staging: build once there is room" F1 0 build -k "$K" dkms_tiny/1.0
		status_is "full dkms tree at staging: built" F1 "$S_BUILT"
		step "full dkms tree at staging: remove" F1 0 remove dkms_tiny/1.0 --all --no-depmod
		[[ -z $(ls -A "$DT") ]] && ok "full dkms tree at staging: dkms tree empty after remove" ||
			not_ok "full dkms tree at staging: dkms tree empty after remove"
	else
		not_ok "full dkms tree at staging: reached strip"
		kill -9 -- "-$BG"
		bg_wait
	fi
	unset DT

	# F2: dkms tree full before make
	newset F2
	mkmod F2 dkms_tiny
	tmpfs "$T/F2/fs" 4m
	export DT=$T/F2/fs/tree
	mkdir -p "$DT"
	step "full dkms tree at make: add" F2 0 add dkms_tiny/1.0
	arm dkms_tiny-make-start
	bg F2 build -k "$K" dkms_tiny/1.0
	if wait_for "$G/at-dkms_tiny-make-start"; then
		fill "$T/F2/fs"
		release dkms_tiny-make-start
		bg_wait
		if [[ $rc == 10 ]]; then ok "full dkms tree at make: exit 10"; else
			not_ok "full dkms tree at make: exit 10 (exit $rc)"
			cat "$T/F2/bg.out" "$T/F2/bg.err" | diag
		fi
		[[ ! -e $DT/dkms_tiny/1.0/$K ]] && ok "full dkms tree at make: no kernel dir" || not_ok "full dkms tree at make: no kernel dir"
		status_is "full dkms tree at make: still added" F2 "$S_ADDED"
	else
		not_ok "full dkms tree at make: reached make"
		kill -9 -- "-$BG"
		bg_wait
	fi
	unset DT

	# F3: install tree fills up after PRE_INSTALL; an original module is there
	newset F3
	mkmod F3 dkms_tiny
	tmpfs "$T/F3/fs" 4m
	export IT=$T/F3/fs/inst
	mkdir -p "$IT/$K/kernel/drivers/misc"
	ln -s "/usr/src/linux-headers-$K" "$IT/$K/build"
	printf 'the original\n' >"$IT/$K/kernel/drivers/misc/dkms_tiny.ko"
	step "full install tree: build" F3 0 build -k "$K" dkms_tiny/1.0
	(cd "$T/F3" && snap fs tree) >"$T/F3/before"
	arm dkms_tiny-pre_install
	bg F3 install -k "$K" dkms_tiny/1.0 --no-depmod
	if wait_for "$G/at-dkms_tiny-pre_install"; then
		fill "$T/F3/fs"
		release dkms_tiny-pre_install
		bg_wait
		if [[ $rc == 6 ]]; then ok "full install tree: exit 6"; else
			not_ok "full install tree: exit 6 (exit $rc)"
			cat "$T/F3/bg.out" "$T/F3/bg.err" | diag
		fi
		if grep -q '^Error!' "$T/F3/bg.err" && grep -qi 'space' "$T/F3/bg.err"; then ok "full install tree: error says no space"; else
			not_ok "full install tree: error says no space"
			cat "$T/F3/bg.err" | diag
		fi
		no_tmp "full install tree: no partial module copy" "$T/F3/fs"
		status_is "full install tree: still built" F3 "$S_BUILT"
		same_listing "full install tree: install tree (with its original module) and dkms tree unchanged" \
			"$T/F3/before" F3 fs tree
		rm -f "$T/F3/fs/filler"
		step "full install tree: install once there is room" F3 0 install -k "$K" dkms_tiny/1.0 --no-depmod
		step "full install tree: remove" F3 0 remove dkms_tiny/1.0 --all --no-depmod
		[[ -f $IT/$K/kernel/drivers/misc/dkms_tiny.ko ]] && ok "full install tree: original back after remove" ||
			not_ok "full install tree: original back after remove"
	else
		not_ok "full install tree: reached PRE_INSTALL"
		kill -9 -- "-$BG"
		bg_wait
	fi
	unset IT

	# XF: dkms tree and install tree on different file systems (/var apart
	# from /lib): uninstall puts the archived original back
	newset XF
	mkmod XF dkms_tiny
	tmpfs "$T/XF/fs" 4m
	export IT=$T/XF/fs/inst
	mkdir -p "$IT/$K/kernel/drivers/misc"
	ln -s "/usr/src/linux-headers-$K" "$IT/$K/build"
	printf 'the original\n' >"$IT/$K/kernel/drivers/misc/dkms_tiny.ko"
	(cd "$T/XF" && snap fs) >"$T/XF/before"
	step "two file systems: install over an original module" XF 0 install -k "$K" dkms_tiny/1.0 --no-depmod
	status_is "two file systems: installed (Original modules exist)" XF \
		"dkms_tiny/1.0, $K, $ARCH: installed (Original modules exist)"
	step "two file systems: uninstall" XF 0 uninstall -k "$K" dkms_tiny/1.0 --no-depmod
	same_listing "two file systems: the original module is back in the install tree" "$T/XF/before" XF fs
	status_is "two file systems: built" XF "$S_BUILT"
	unset IT

	# RO: read-only install tree, with an original module
	newset RO
	mkmod RO dkms_tiny
	mkdir -p "$T/RO/inst/$K/kernel/drivers/misc"
	printf 'the original\n' >"$T/RO/inst/$K/kernel/drivers/misc/dkms_tiny.ko"
	step "read-only install tree: build" RO 0 build -k "$K" dkms_tiny/1.0
	if mount --bind "$T/RO/inst" "$T/RO/inst" && MOUNTS+=("$T/RO/inst") &&
		mount -o remount,bind,ro "$T/RO/inst"; then
		(cd "$T/RO" && snap inst tree src) >"$T/RO/before"
		step "read-only install tree: install exit 6" RO 6 install -k "$K" dkms_tiny/1.0 --no-depmod
		if grep -q '^Error!' "$T/RO/err" && grep -qi 'read-only' "$T/RO/err"; then ok "read-only install tree: error says read-only"; else
			not_ok "read-only install tree: error says read-only"
			cat "$T/RO/err" | diag
		fi
		same_listing "read-only install tree: install and dkms trees unchanged" "$T/RO/before" RO inst tree src
		status_is "read-only install tree: still built" RO "$S_BUILT"
		umount "$T/RO/inst"
		step "read-only install tree: install once writable" RO 0 install -k "$K" dkms_tiny/1.0 --no-depmod
		status_is "read-only install tree: installed (Original modules exist)" RO \
			"dkms_tiny/1.0, $K, $ARCH: installed (Original modules exist)"
	else
		for ((i = 0; i < 6; i++)); do skip "read-only install tree $i" "bind mount failed"; done
	fi
fi

echo "1..$_tap_n"
