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

# --- modes -----------------------------------------------------------------
# A source tarball whose files are 0777 and 4755 and whose dirs are 0777:
# nothing extracted, built or installed keeps world-write or set-id bits.
# mode_of PATH: octal permission bits
mode_of() { stat -c %a "$1"; }
modes_test() {
	if [[ -z $K ]]; then skip "modes" "no kernel headers installed"; return; fi
	local w=$T/modes/dkms_source_tree v
	mkdir -p "$w/sub"
	cp "$TOP"/examples/dkms_tiny/* "$w/"
	printf '#!/bin/sh\n' >"$w/sub/tool.sh"
	chmod 0777 "$w" "$w/sub" "$w"/*.c "$w/Makefile" "$w/dkms.conf"
	chmod 4755 "$w/sub/tool.sh"
	(cd "$T/modes" && tar -czf ../modes.tar.gz dkms_source_tree)
	v=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$w/dkms.conf")
	check "the tarball holds 0777 and 4755 members" \
		bash -c "tar -tvzf '$T/modes.tar.gz' | grep -q '^-rwxrwxrwx' && tar -tvzf '$T/modes.tar.gz' | grep -q '^-rwsr-xr-x'"
	umask 022
	step "ldtarball of that tarball" 0 ldtarball "$T/modes.tar.gz"
	local s=$T/src/dkms_tiny-$v
	check "extracted 0777 files are 0755 or 0644 (got $(mode_of "$s/dkms.conf") $(mode_of "$s/dkms_tiny.c"))" \
		test "$(mode_of "$s/dkms.conf")" = 755 -a "$(mode_of "$s/dkms_tiny.c")" = 755
	check "an extracted 4755 file loses its set-uid bit (got $(mode_of "$s/sub/tool.sh"))" \
		test "$(mode_of "$s/sub/tool.sh")" = 755
	check "extracted 0777 directories are 0755 (got $(mode_of "$s") $(mode_of "$s/sub"))" \
		test "$(mode_of "$s")" = 755 -a "$(mode_of "$s/sub")" = 755
	check "nothing extracted is world-writable or set-id" \
		test -z "$(find "$s" \( -perm -0002 -o -perm /6000 \) -print)"
	# a source dir of 0777 files, copied by build
	chmod -R 0777 "$s"
	step "build with 0777 source files" 0 build -k "$K" "dkms_tiny/$v"
	local ko=$T/tree/dkms_tiny/$v/$K/$A/module/dkms_tiny.ko
	check "the built module in the tree is 0644 (got $(mode_of "$ko"))" test "$(mode_of "$ko")" = 644
	chmod 0777 "$ko"
	step "install" 0 install -k "$K" "dkms_tiny/$v" --no-depmod
	local inst
	inst=$(find "$T/inst/$K" -name 'dkms_tiny.ko*' | head -n1)
	check "the installed module is 0644 whatever the tree's mode (got $(mode_of "$inst"))" \
		test "$(mode_of "$inst")" = 644
	check "its directory is 0755 (got $(mode_of "$(dirname "$inst")"))" \
		test "$(mode_of "$(dirname "$inst")")" = 755
	umask 027
	step "install again under umask 027" 0 install -k "$K" "dkms_tiny/$v" --no-depmod --force
	umask 022
	check "the umask is taken off: 0640 (got $(mode_of "$inst"))" test "$(mode_of "$inst")" = 640
	step "remove" 0 remove "dkms_tiny/$v" --all --no-depmod
}
modes_test

# --- rpm_safe_upgrade notes -------------------------------------------------
# rpm runs %post and %preun from one process (the transaction); here a shell
# plays it, with a shell between it and dkms as rpm has.
rpm_safe_test() {
	local v=1.0 DK="${D[*]}"
	cp -r "$TOP/examples/dkms_tiny" "$T/src/dkms_tiny-$v"
	bash -c "bash -c '$DK add -m dkms_tiny -v $v --rpm_safe_upgrade; true' >/dev/null 2>&1
		 bash -c '$DK remove -m dkms_tiny -v $v --all --rpm_safe_upgrade; true' >'$T/rsu.out' 2>&1; true"
	check "a remove in the transaction that added is cancelled" \
		grep -q "Remove cancelled because --rpm_safe_upgrade scenario detected." "$T/rsu.out"
	check "the module is still added" test -d "$T/tree/dkms_tiny/$v"
	check "the note is in the tree, not in TMPDIR" \
		bash -c "test -d '$T/tree/.rpm_safe_upgrade' && test -z \"\$(ls -A '$TMPDIR')\""
	check "the note is gone once used" test -z "$(ls -A "$T/tree/.rpm_safe_upgrade")"
	if ! id nobody >/dev/null 2>&1; then
		skip "planted notes" "no user nobody"
		return
	fi
	# plant WHERE OWNER: a note for this transaction (right pid and start
	# time) in TMPDIR under dkms's name, or in the tree under ours; then remove
	plant() {
		bash -c 'p=$$; s=$(cut -d" " -f22 /proc/$$/stat)
			if [[ $1 == tmp ]]; then f=$TMPDIR/dkms_rpm_safe_upgrade_lock.$p.AbCdEf
			else f=$3/.rpm_safe_upgrade/$p.$s.dkms_tiny-1.0; fi
			printf "dkms_tiny-1.0\n%s\n" "$s" >"$f"; chown "$2" "$f"
			bash -c "$4 remove -m dkms_tiny -v 1.0 --all --rpm_safe_upgrade; true" >"$5" 2>&1
			rm -f "$f"' plant "$1" "$2" "$T/tree" "$DK" "$T/rsu2.out"
	}
	plant tree root
	check "a note of root's in the tree cancels the remove (the test plants right)" \
		grep -q 'Remove cancelled' "$T/rsu2.out"
	plant tmp nobody
	check "a note planted in TMPDIR (dkms's place) does not cancel the remove" \
		bash -c "! grep -q 'Remove cancelled' '$T/rsu2.out' && test ! -d '$T/tree/dkms_tiny/$v'"
	step "add again" 0 add -m dkms_tiny -v $v
	plant tree nobody
	check "a note in the tree owned by another user does not cancel the remove" \
		bash -c "! grep -q 'Remove cancelled' '$T/rsu2.out' && test ! -d '$T/tree/dkms_tiny/$v'"
	step "add again" 0 add -m dkms_tiny -v $v
	chmod 0777 "$T/tree/.rpm_safe_upgrade"
	plant tree root
	check "a note in a notes dir others can write does not cancel the remove" \
		bash -c "! grep -q 'Remove cancelled' '$T/rsu2.out' && test ! -d '$T/tree/dkms_tiny/$v'"
}
rpm_safe_test

# --- temp files of killed runs ---------------------------------------------
# runs_of_dir: the entries of TMPDIR
tmp_entries() { ls -A "$TMPDIR"; }
killed_run_test() {
	if [[ -z $K ]]; then skip "temp files of killed runs" "no kernel headers installed"; return; fi
	local src=$T/src/tmpuser-1.0 i
	mkdir -p "$src"
	cat >"$src/dkms.conf" <<-EOS
	PACKAGE_NAME="tmpuser"
	PACKAGE_VERSION="1.0"
	BUILT_MODULE_NAME[0]="tmpuser"
	DEST_MODULE_LOCATION[0]="/extra"
	MAKE[0]="head -c 1000000 /dev/zero >\$TMPDIR/big; touch $T/make-started; sleep 60"
	EOS
	touch "$src/Makefile"
	step "add a package whose MAKE fills TMPDIR and waits" 0 add -m tmpuser -v 1.0
	"${D[@]}" build -m tmpuser -v 1.0 -k "$K" >/dev/null 2>&1 &
	local dk=$!
	for ((i = 0; i < 200; i++)); do [[ -e $T/make-started ]] && break; sleep 0.1; done
	check "the running build keeps its temp files in its own dir" \
		bash -c "ls -d '$TMPDIR'/dkms-run.*.$dk.* && test -s '$TMPDIR'/dkms-run.*.$dk.*/big"
	kill -9 $dk; wait $dk 2>/dev/null
	# what other runs' dirs look like: a live run (this shell, right start
	# time), a dead pid, a reused pid (live, other start time), another
	# user's, and a symlink to a directory
	local ns start
	ns=$(stat -L -c %i /proc/self/ns/pid)
	start=$(cut -d' ' -f22 /proc/$$/stat)
	mkdir -p "$TMPDIR/dkms-run.$ns.$$.$start/x" "$TMPDIR/dkms-run.$ns.999999999.1/x" \
		"$TMPDIR/dkms-run.$ns.$$.1/x" "$TMPDIR/dkms-run.$ns.1.2/x" "$T/target/x"
	chown nobody "$TMPDIR/dkms-run.$ns.1.2"
	ln -s "$T/target" "$TMPDIR/dkms-run.$ns.1.3"
	step "the next command (status)" 0 status
	check "the killed run's temp dir is gone" bash -c "! ls -d '$TMPDIR'/dkms-run.*.$dk.* 2>/dev/null"
	check "a dead pid's and a reused pid's dirs are gone" \
		test ! -e "$TMPDIR/dkms-run.$ns.999999999.1" -a ! -e "$TMPDIR/dkms-run.$ns.$$.1"
	check "a live run's dir stays" test -d "$TMPDIR/dkms-run.$ns.$$.$start/x"
	check "another user's dir stays" test -d "$TMPDIR/dkms-run.$ns.1.2/x"
	check "a symlink is not followed" test -d "$T/target/x"
	rm -rf "$TMPDIR/dkms-run.$ns.$$.$start" "$TMPDIR/dkms-run.$ns.1.2" "$TMPDIR/dkms-run.$ns.1.3"
	step "another command" 0 status
	check "TMPDIR is empty after the next command" test -z "$(tmp_entries)"
	tmp_entries | diag
	step "remove the package" 0 remove tmpuser/1.0 --all
	# mkdriverdisk killed while createrepo_c runs (a stand-in that waits):
	# its work dir, RPMs and all, goes with the next command
	if ! command -v createrepo_c >/dev/null; then
		skip "a killed mkdriverdisk" "no createrepo_c"; return
	fi
	mkdir -p "$T/bin"
	cat >"$T/bin/createrepo_c" <<-EOS
	#!/bin/sh
	echo \$\$ >"$T/createrepo.pid"
	exec sleep 60
	EOS
	chmod 755 "$T/bin/createrepo_c"
	step "add dkms_tiny" 0 add "$TOP/examples/dkms_tiny"
	step "build it" 0 build -k "$K" dkms_tiny/1.0
	PATH=$T/bin:$PATH "${D[@]}" mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat --archive "$T/dd.iso" \
		>/dev/null 2>&1 &
	dk=$!
	for ((i = 0; i < 300; i++)); do [[ -s $T/createrepo.pid ]] && break; sleep 0.1; done
	check "mkdriverdisk is at createrepo_c with its work in TMPDIR" \
		bash -c "ls -d '$TMPDIR'/dkms-run.*.$dk.*/dkms-mkdriverdisk.*/disk"
	kill -9 $dk; wait $dk 2>/dev/null
	check "killing mkdriverdisk ends its createrepo_c" wait_gone "$(cat "$T/createrepo.pid")"
	check "its temp files stay until the next command" test -n "$(tmp_entries)"
	step "the next command (status)" 0 status
	check "TMPDIR is empty after the next command" test -z "$(tmp_entries)"
	check "no half-made disk" test ! -e "$T/dd.iso"
	step "remove dkms_tiny" 0 remove dkms_tiny/1.0 --all
}
killed_run_test

# --- reading images: streaming and the cap ---------------------------------
# zero_image OUT SIZE [MODDIR KVER]: a zstd initramfs holding one file of
# SIZE zeros (and MODDIR's modules under usr/lib/modules/KVER)
zero_image() {
	local root=$T/zroot
	rm -rf "$root"; mkdir -p "$root/big"
	truncate -s "$2" "$root/big/zeros"
	if [[ -n ${3:-} ]]; then
		mkdir -p "$root/usr/lib/modules/$4"
		(cd "$3" && find . -path ./build -prune -o -print | cpio -pdm --quiet "$root/usr/lib/modules/$4")
		ln -s usr/lib "$root/lib"
	fi
	(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | zstd -q -3 -T1 >"$1"
	rm -rf "$root"
}
# peak_rss CMD...: run CMD, print its peak RSS in KiB (its output in $T/out)
peak_rss() {
	/usr/bin/time -f '%M' -o "$T/rss" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	cat "$T/rss"
}
lsinitrd_test() {
	if ! command -v zstd >/dev/null || [[ ! -x /usr/bin/time ]]; then
		skip "lsinitrd streams" "no zstd or /usr/bin/time"; return
	fi
	zero_image "$T/zero1.img" 1750M
	cat "$T/zero1.img" "$T/zero1.img" "$T/zero1.img" "$T/zero1.img" >"$T/zero4.img"
	local kb
	check "a small image of zeros ($(stat -c %s "$T/zero1.img") bytes)" test "$(stat -c %s "$T/zero1.img")" -lt 200000
	kb=$(peak_rss "${D[@]}" lsinitrd --verbose "$T/zero1.img")
	echo "lsinitrd --verbose of one 1.75 GB member: peak RSS $kb KiB" | diag
	check "lsinitrd lists it (exit $rc)" grep -q ' 1835008000 big/zeros$' "$T/out"
	check "... with a peak RSS under 64 MiB ($kb KiB)" test "$kb" -lt 65536
	kb=$(peak_rss "${D[@]}" lsinitrd "$T/zero4.img")
	echo "lsinitrd of four such members: peak RSS $kb KiB" | diag
	check "four such members list (exit $rc)" bash -c "[[ $rc == 0 ]] && grep -q '4 segments' '$T/out'"
	check "... with a peak RSS under 64 MiB ($kb KiB)" test "$kb" -lt 65536
	rm -f "$T/zero1.img" "$T/zero4.img"
}
lsinitrd_test

# Fragment mode holds the image decoded whole: a ~1 GB image is read under
# the default cap and refused, with the setting named, under a small one.
cap_test() {
	if [[ -z $K ]] || ! command -v zstd >/dev/null; then
		skip "the cap on decoded images" "no kernel headers or no zstd"; return
	fi
	local img=$T/boot/initrd.img-$K src=$T/src/capmod-1.0
	mkdir -p "$T/boot" "$T/sysconf" "$src"
	sed 's/dkms_tiny/capmod/g' "$TOP/examples/dkms_tiny/dkms.conf" >"$src/dkms.conf"
	echo 'REMAKE_INITRD="yes"' >>"$src/dkms.conf"
	sed 's/dkms_tiny/capmod/g' "$TOP/examples/dkms_tiny/Makefile" >"$src/Makefile"
	sed 's/dkms_tiny/capmod/g' "$TOP/examples/dkms_tiny/dkms_tiny.c" >"$src/capmod.c"
	printf 'bootdir=%s\ninitrd_sysconfdir=%s\ninitrd_mode=fragment\n' "$T/boot" "$T/sysconf" \
		>"$T/etc/framework.conf"
	zero_image "$img" 1000M "$T/inst/$K" "$K"
	cp "$img" "$T/base.img"
	step "build a package with REMAKE_INITRD" 0 build -k "$K" capmod/1.0
	DKMS_INITRD_MAX_DECODED=512M dk install -k "$K" capmod/1.0
	check "under a cap of 512M the install fails (exit $rc)" test "$rc" != 0
	check "... saying the image, its size and the setting" \
		grep -q "$img.*more than 512 MiB.*initrd_max_decoded.*DKMS_INITRD_MAX_DECODED" "$T/err"
	cat "$T/err" | diag
	check "... and the image is untouched" cmp "$img" "$T/base.img"
	dk uninstall -k "$K" capmod/1.0
	echo "initrd_max_decoded=600M" >>"$T/etc/framework.conf"
	dk install -k "$K" capmod/1.0
	check "framework.conf's initrd_max_decoded=600M refuses it too" \
		grep -q "more than 600 MiB" "$T/err"
	dk uninstall -k "$K" capmod/1.0
	sed -i '/initrd_max_decoded/d' "$T/etc/framework.conf"
	step "under the default cap the ~1 GB image is read and the install goes" 0 install -k "$K" capmod/1.0
	"${D[@]}" lsinitrd "$img" >"$T/ls.out" 2>&1
	check "... the module is in the image" grep -q '^  capmod (dkms: capmod/1.0)$' "$T/ls.out"
	step "uninstall" 0 uninstall -k "$K" capmod/1.0
	check "... gives back the original bytes" cmp "$img" "$T/base.img"
	rm -f "$img" "$T/base.img" "$T/etc/framework.conf"
}
cap_test

# --- sparse files in tarballs ----------------------------------------------
sparse_test() {
	local w=$T/sparse/dkms_source_tree fmt tb kb
	mkdir -p "$w"
	sed 's/dkms_tiny/sparsemod/g' "$TOP/examples/dkms_tiny/dkms.conf" >"$w/dkms.conf"
	truncate -s 7G "$w/hole"
	printf x | dd of="$w/hole" bs=1 seek=$((3 << 30)) conv=notrunc 2>/dev/null
	for fmt in gnu pax; do
		tb=$T/sparse-$fmt.tar.gz
		(cd "$T/sparse" && tar -S --format=$fmt -czf "$tb" dkms_source_tree)
		check "a $fmt sparse tarball of a 7 GiB file is small ($(stat -c %s "$tb") bytes)" \
			test "$(stat -c %s "$tb")" -lt 4096
		step "ldtarball of it ($fmt)" 0 ldtarball "$tb"
		local f=$T/src/sparsemod-1.0/hole
		kb=$(du -k "$f" 2>/dev/null | cut -f1)
		check "the extracted file keeps its size and holes ($fmt: $(stat -c %s "$f" 2>/dev/null) bytes, $kb KiB on disk)" \
			bash -c "[[ \$(stat -c %s '$f') == $((7 << 30)) && $kb -lt 1024 ]]"
		check "... and its data ($fmt)" bash -c "[[ \$(dd if='$f' bs=1 skip=$((3 << 30)) count=1 2>/dev/null) == x ]]"
		step "remove it ($fmt)" 0 remove sparsemod/1.0 --all
		rm -rf "$T/src/sparsemod-1.0"
	done
	# past the cap: refused, naming the member and its size
	truncate -s 9G "$w/hole"
	(cd "$T/sparse" && tar -S --format=pax -czf "$T/sparse-big.tar.gz" dkms_source_tree)
	step "a tarball with a 9 GiB sparse member is refused" 3 ldtarball "$T/sparse-big.tar.gz"
	check "... naming the member and its size" \
		grep -q "entry 'dkms_source_tree/hole' ($((9 << 30)) bytes) makes the archive larger than 8 GiB" "$T/err"
	check "... and nothing was written" test ! -e "$T/src/sparsemod-1.0"
	rm -rf "$T/sparse" "$T"/sparse-*.tar.gz
}
sparse_test

# --- messages ---------------------------------------------------------------
# full DIR FILL CMD...: run CMD with DIR a private 96 KiB tmpfs holding FILL
# bytes of filler (a mount namespace of its own: nothing else sees it)
full() {
	unshare -m --propagation private bash -c '
		dir=$1 fill=$2; shift 2
		mkdir -p "$dir" && mount -t tmpfs -o size=96k tmpfs "$dir" || exit 99
		head -c "$fill" /dev/zero >"$dir/filler"
		"$@"; rc=$?
		ls -A "$dir" >"$dir.left"; exit $rc' _ "$@"
}
messages_test() {
	if [[ -z $K ]]; then skip "messages" "no kernel headers installed"; return; fi
	local src=$T/src/nocmd-1.0
	mkdir -p "$src"
	touch "$src/Makefile"
	cat >"$src/dkms.conf" <<-EOS
	PACKAGE_NAME="nocmd"
	PACKAGE_VERSION="1.0"
	BUILT_MODULE_NAME[0]="nocmd"
	DEST_MODULE_LOCATION[0]="/extra"
	MAKE[0]="no-such-make-tool -C \$kernel_source_dir M=\$dkms_tree"
	EOS
	step "add a package whose MAKE names a missing program" 0 add nocmd/1.0
	step "its build fails as dkms's does (exit 10)" 10 build -k "$K" nocmd/1.0
	check "... keeping dkms's line" grep -q '^Building module(s)...(bad exit status: 127)$' "$T/out"
	check "... and saying no command ran, naming it" \
		grep -qx 'No command ran: no-such-make-tool was not found in PATH.' "$T/out"
	step "remove it" 0 remove nocmd/1.0 --all
	if ! { [[ $(id -u) == 0 ]] && unshare -m --propagation private true 2>/dev/null; }; then
		skip "full file systems" "no private mount namespace (unshare -m) here"
		return
	fi
	step "add dkms_tiny" 0 add "$TOP/examples/dkms_tiny"
	step "build it" 0 build -k "$K" dkms_tiny/1.0
	full "$T/full" 94k "${D[@]}" mktarball dkms_tiny/1.0 -k "$K" --archive "$T/full/x.tar.gz" \
		>"$T/out" 2>"$T/err"
	rc=$?
	check "mktarball to a full destination fails (exit $rc)" test "$rc" != 0 -a "$rc" != 99
	check "... with dkms's line" grep -qx 'Error! Failed to make tarball.' "$T/err"
	check "... saying the path and that there is no space left" \
		grep -qx "$T/full/x.tar.gz: close: Write error: No space left on device" "$T/err"
	check "... and leaving nothing there" test "$(cat "$T/full.left")" = filler
	step "make a driver disk to check" 0 mkdriverdisk dkms_tiny/1.0 -k "$K" -d redhat --archive "$T/dd.iso"
	TMPDIR=$T/full full "$T/full" 94k "${D[@]}" checkdisk "$T/dd.iso" >"$T/out" 2>"$T/err"
	rc=$?
	check "checkdisk with a full TMPDIR fails (exit $rc)" test "$rc" != 0 -a "$rc" != 99
	check "... saying the temp space is full, naming it" \
		grep -qx "Error! Could not read $T/dd.iso: the temporary space $T/full is full (No space left on device) while unpacking it for the check." "$T/err"
	check "... and leaving nothing there" test "$(cat "$T/full.left")" = filler
	step "remove dkms_tiny" 0 remove dkms_tiny/1.0 --all
}
messages_test

echo "1..$_tap_n"
