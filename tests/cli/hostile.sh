#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile names and values (issue 10, items 1 and 2): every dkms.conf
# directive that becomes a path or a word, the module/version/kernel
# arguments, tarball members (source, binaries-only and plain tarballs),
# symlinks planted inside the trees, and generated initrd configuration.
# For each: the exit code dkms would give, one line naming the directive (or
# argument) and the value, nothing appearing or vanishing outside the private
# trees (the canary directory beside them), and no injected command running
# (no $T/pwned). Real-world names and the default MAKE in a tree with a space
# still work, with and without --strict-conf.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
A=$(uname -m)
if [[ $(id -u) != 0 ]]; then
	skip "hostile" "needs root (add <dir> and ldtarball --force need uid 0)"; echo "1..$_tap_n"; exit 0
fi

mkdir -p "$T"/{src,tree,etc,boot,work,canary/keep} "$T/inst/${K:-none}/kernel"
mkdir -p "$T"/sysconf/{modprobe.d,dracut.conf.d,initramfs-tools/hooks}
[[ -n $K ]] && ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
echo precious >"$T/canary/keep/file"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release"
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub try_sign_modules=false
unset sign_file post_transaction parallel_jobs
PWNED=$T/pwned
cd "$T/work" || exit 1

snapshot() { (cd "$T/canary" && find . -printf '%p %y %s %l\n' | LC_ALL=C sort; cat keep/file 2>/dev/null); }
snapshot >"$T/canary.0"

# safe NAME: nothing changed in the canary, no injected command ran.
safe() {
	local bad=
	snapshot >"$T/canary.1"
	cmp -s "$T/canary.0" "$T/canary.1" || bad="the canary changed"
	[[ -e $PWNED ]] && bad="${bad:+$bad; }an injected command ran"
	if [[ -z $bad ]]; then ok "$1: nothing outside the trees, nothing injected"; else
		not_ok "$1: $bad"; diff "$T/canary.0" "$T/canary.1" | diag; rm -f "$PWNED"
		snapshot >"$T/canary.0"
	fi
}

# says NAME TEXT: one line of stderr holds TEXT (fixed string).
says() {
	if grep -qF -- "$2" "$T/err"; then ok "$1: says $2"; else
		not_ok "$1: says $2"; cat "$T/out" "$T/err" | tail -n 20 | diag; fi
}

# hostile NAME RC TEXT ARGS...: dk ARGS exits RC, says TEXT, and is safe.
hostile() {
	local name=$1 want=$2 text=$3
	shift 3
	step "$name: exit $want" "$want" "$@"
	says "$name" "$text"
	safe "$name"
}

# pkgdir DIR NAME VERSION [LINES...]: the tiny module's source with a dkms.conf
# of PACKAGE_NAME/PACKAGE_VERSION (verbatim, single-quoted) and the lines given.
pkgdir() {
	local d=$1 n=$2 v=$3 l
	shift 3
	rm -rf "$d"
	mkdir -p "$d"
	cp "$TOP/examples/dkms_tiny/Makefile" "$TOP/examples/dkms_tiny/dkms_tiny.c" "$d/"
	{
		printf "PACKAGE_NAME='%s'\nPACKAGE_VERSION='%s'\n" "$n" "$v"
		[[ $* == *BUILT_MODULE_NAME* ]] || echo "BUILT_MODULE_NAME[0]=dkms_tiny"
		[[ $* == *DEST_MODULE_LOCATION* ]] || echo "DEST_MODULE_LOCATION[0]=/extra"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$d/dkms.conf"
}

# mktar FILE DIR: a tarball of DIR's contents (as mktarball lays them out).
mktar() { tar -C "$2" -czf "$1" .; }

# ---- dkms.conf directives, through add <dir> (exit 8: not a valid dkms.conf) -----
n=0
conf_case() {
	local what=$1 text=$2
	shift 2
	n=$((n + 1))
	pkgdir "$T/in/c$n" "$@"
	hostile "add <dir>, $what" 8 "$text" add "$T/in/c$n"
	rm -rf "$T/src"/* "$T/tree"/*
}
conf_case "PACKAGE_NAME path escape" 'PACKAGE_NAME "../../canary/x" is not a valid name' ../../canary/x 1.0
conf_case "PACKAGE_NAME absolute" 'PACKAGE_NAME "/tmp/x" is not a valid name' /tmp/x 1.0
conf_case "PACKAGE_NAME leading dash" "PACKAGE_NAME \"-rf\" is not a valid name: it starts with '-'" -rf 1.0
conf_case "PACKAGE_VERSION path escape" "PACKAGE_VERSION \"1/../../../canary/x\" is not a valid name: '/' is not allowed" \
	tiny 1/../../../canary/x
conf_case "PACKAGE_VERSION .." "PACKAGE_VERSION \"..\" is not a valid name: a '..' component" tiny ..
conf_case "PACKAGE_VERSION shell" "PACKAGE_VERSION \"1;touch $PWNED;\" is not a valid name: ';'" tiny "1;touch $PWNED;"
# (dkms reads every value back inside double quotes: \$ and \" survive as $ and ")
conf_case "PACKAGE_VERSION \$()" "PACKAGE_VERSION \"\$(touch $PWNED)\" is not a valid name: '\$'" tiny "\\\$(touch $PWNED)"
conf_case "PACKAGE_VERSION backquote" "PACKAGE_VERSION \"\`touch $PWNED\`\" is not a valid name: '\`'" tiny "\\\`touch $PWNED\\\`"
conf_case "PACKAGE_VERSION quote" "PACKAGE_VERSION \"1\\\"x\" is not a valid name: '\"'" tiny '1\"x'
conf_case "PACKAGE_VERSION space" 'PACKAGE_VERSION "1 2" is not a valid name: a space' tiny '1 2'
conf_case "BUILT_MODULE_NAME path escape" 'BUILT_MODULE_NAME[0] "../../x" is not a valid name' tiny 1.0 \
	"BUILT_MODULE_NAME[0]='../../x'"
conf_case "BUILT_MODULE_NAME shell" "BUILT_MODULE_NAME[0] \"x;id>pwned\" is not a valid name: ';'" tiny 1.0 \
	"BUILT_MODULE_NAME[0]='x;id>pwned'"
conf_case "BUILT_MODULE_LOCATION absolute" 'BUILT_MODULE_LOCATION[0] "/abs" is not a valid location: an absolute path' \
	tiny 1.0 "BUILT_MODULE_LOCATION[0]='/abs'"
conf_case "BUILT_MODULE_LOCATION escape" "BUILT_MODULE_LOCATION[0] \"a/../../b\" is not a valid location: a '..' component" \
	tiny 1.0 "BUILT_MODULE_LOCATION[0]='a/../../b'"
conf_case "DEST_MODULE_NAME path escape" 'DEST_MODULE_NAME[0] "../../../canary/y" is not a valid name' tiny 1.0 \
	"DEST_MODULE_NAME[0]='../../../canary/y'"
conf_case "DEST_MODULE_NAME shell" "DEST_MODULE_NAME[0] \"y\$(touch $PWNED)\" is not a valid name" tiny 1.0 \
	"DEST_MODULE_NAME[0]='y\\\$(touch $PWNED)'"
conf_case "DEST_MODULE_LOCATION escape" "DEST_MODULE_LOCATION[0] \"/kernel/../../../canary\" is not a valid location: a '..' component" \
	tiny 1.0 "DEST_MODULE_LOCATION[0]='/kernel/../../../canary'"
conf_case "DEST_MODULE_LOCATION empty component" "DEST_MODULE_LOCATION[0] \"/extra//x\" is not a valid location: an empty component" \
	tiny 1.0 "DEST_MODULE_LOCATION[0]='/extra//x'"
conf_case "BUILD_DEPENDS path escape" 'BUILD_DEPENDS[0] "../../canary" is not a valid name' tiny 1.0 \
	"BUILD_DEPENDS[0]='../../canary'"
conf_case "MODULES_CONF_ALIAS_TYPE shell" "MODULES_CONF_ALIAS_TYPE[0] \"x;touch $PWNED\" is not a valid name" tiny 1.0 \
	"MODULES_CONF_ALIAS_TYPE[0]='x;touch $PWNED'"
conf_case "PRE_BUILD program outside" "PRE_BUILD \"../../../bin/sh\" is not a valid location" tiny 1.0 \
	"PRE_BUILD='../../../bin/sh -c true'"
conf_case "POST_INSTALL shell" "POST_INSTALL \"x;touch\" is not a valid location: ';'" tiny 1.0 \
	"POST_INSTALL='x;touch $PWNED'"
conf_case "POST_ADD absolute" 'POST_ADD "/bin/sh" is not a valid location: an absolute path' tiny 1.0 \
	"POST_ADD='/bin/sh -c true'"

# a distribution without a known module directory: DEST_MODULE_LOCATION as written
printf 'ID=weird\nVERSION_ID="1"\n' >"$T/os-release.weird"
pkgdir "$T/in/weird" tiny 1.0 "DEST_MODULE_LOCATION[0]='/updates/../../../canary'"
DKMS_OS_RELEASE=$T/os-release.weird hostile "unknown distribution, DEST_MODULE_LOCATION escape" 8 \
	"DEST_MODULE_LOCATION[0] \"/updates/../../../canary\" is not a valid location" add "$T/in/weird"
rm -rf "$T/src"/* "$T/tree"/*

# the override itself (ADDON_MODULES_DIR) is checked as the location it becomes
pkgdir "$T/in/addon" tiny 1.0
ADDON_MODULES_DIR=../../canary hostile "ADDON_MODULES_DIR escape" 8 \
	"DEST_MODULE_LOCATION[0] \"/../../canary\" (after the distribution's override) is not a valid location" add "$T/in/addon"
rm -rf "$T/src"/* "$T/tree"/*

# --strict-conf: no shell from dkms.conf at all
pkgdir "$T/in/strict-make" tiny 1.0 "MAKE[0]='make; touch $PWNED'"
hostile "--strict-conf, MAKE with ;" 8 "MAKE \"make; touch $PWNED\" needs a shell (unquoted ';'); strict mode runs none" \
	add --strict-conf "$T/in/strict-make"
rm -rf "$T/src"/* "$T/tree"/*
pkgdir "$T/in/strict-hook" tiny 1.0 "PRE_BUILD=\"hook.sh x; touch $PWNED\""
hostile "--strict-conf, PRE_BUILD with ;" 8 "PRE_BUILD \"hook.sh x; touch $PWNED\" needs a shell (unquoted ';')" \
	add --strict-conf "$T/in/strict-hook"
rm -rf "$T/src"/* "$T/tree"/*
pkgdir "$T/in/strict-mc" tiny 1.0 "MODULES_CONF[0]=\"install usb_storage /bin/sh -c 'touch $PWNED'\""
hostile "--strict-conf, MODULES_CONF install" 8 "strict mode takes no 'install' commands" \
	add --strict-conf "$T/in/strict-mc"
rm -rf "$T/src"/* "$T/tree"/*
pkgdir "$T/in/strict-mc2" tiny 1.0 "MODULES_CONF[0]='remove usb_storage /bin/true'"
hostile "--strict-conf, MODULES_CONF remove" 8 "strict mode takes no 'remove' commands" \
	add --strict-conf "$T/in/strict-mc2"
rm -rf "$T/src"/* "$T/tree"/*
pkgdir "$T/in/strict-shell" tiny 1.0 'PACKAGE_VERSION=$(touch '"$PWNED"'; echo 1.0)'
hostile "--strict-conf, a dkms.conf that needs bash" 8 "is not plain assignments; strict mode refuses to run it with a shell" \
	add --strict-conf "$T/in/strict-shell"
rm -rf "$T/src"/* "$T/tree"/*

# ---- the command line (exit 1, as dkms for bad arguments) -----------------------
for action in add build install uninstall unbuild remove mktarball mkdriverdisk mkrpm mkbmdeb mkdeb match; do
	hostile "$action ../../canary/x/1.0" 1 'Module ".." is not a valid name' "$action" ../../canary/x/1.0 --all
done
hostile "remove -m x -v ../../canary" 1 'Module version "../../canary" is not a valid name' remove -m x -v ../../canary --all
hostile "remove m/v with ; in the version" 1 "Module version \"1;touch $PWNED\" is not a valid name: ';'" \
	remove "x/1;touch $PWNED" --all
# (-k kernel/arch: split at the first '/')
hostile "build -k ../../canary" 1 'Kernel version ".." is not a valid name' build x/1.0 -k ../../canary
hostile "install -k with \$()" 1 "Kernel version \"\$(touch \" is not a valid name: '\$'" install x/1.0 -k "\$(touch $PWNED)"
hostile "remove, a newline in the module" 1 'Module "x\ntouch" is not a valid name: control character 0x0a' remove $'x\ntouch/1' --all
hostile "uninstall -a ../x" 1 'Arch "x;y" is not a valid name' uninstall x/1.0 -k "$K" -a 'x;y'
hostile "status ../../canary" 1 'Module ".." is not a valid name' status ../../canary/x
hostile "-m with a leading dash" 1 "Module \"-rf\" is not a valid name: it starts with '-'" remove -m -rf -v 1 --all

# ---- tarballs -------------------------------------------------------------------
# a source tarball (mktarball's layout) with a hostile dkms.conf: not a valid DKMS tarball (7)
tarball_case() {
	local what=$1 text=$2 d=$T/tb
	shift 2
	rm -rf "$d"
	mkdir -p "$d/dkms_main_tree"
	pkgdir "$d/dkms_source_tree" "$@"
	mktar "$T/t.tar.gz" "$d"
	hostile "ldtarball, $what" 7 "$text" ldtarball "$T/t.tar.gz"
	hostile "ldtarball --strict-conf, $what" 7 "$text" ldtarball --strict-conf "$T/t.tar.gz"
	rm -rf "$T/src"/* "$T/tree"/*
}
tarball_case "PACKAGE_VERSION escape" 'PACKAGE_VERSION "1/../../../../canary/x" is not a valid name' tiny 1/../../../../canary/x
tarball_case "PACKAGE_NAME escape" 'PACKAGE_NAME "../canary" is not a valid name' ../canary 1.0
tarball_case "DEST_MODULE_NAME escape" 'DEST_MODULE_NAME[0] "../../../../canary/y" is not a valid name' tiny 1.0 \
	"DEST_MODULE_NAME[0]='../../../../canary/y'"
tarball_case "PACKAGE_VERSION shell" "PACKAGE_VERSION \"1;id>p;\" is not a valid name" tiny '1;id>p;'

# binaries-only: dkms_binaries_only/dkms.conf and dkms_main_tree/<k>/<arch>
binaries_case() {
	local what=$1 text=$2 kdir=$3 d=$T/tb
	shift 3
	rm -rf "$d"
	mkdir -p "$d/dkms_main_tree/$kdir/module"
	echo ko >"$d/dkms_main_tree/$kdir/module/dkms_tiny.ko"
	pkgdir "$d/dkms_binaries_only" "$@"
	rm -f "$d/dkms_binaries_only"/{Makefile,dkms_tiny.c}
	printf '%s\n' "$1" >"$d/dkms_binaries_only/PACKAGE_NAME"
	printf '%s\n' "$2" >"$d/dkms_binaries_only/PACKAGE_VERSION"
	mktar "$T/b.tar.gz" "$d"
	hostile "binaries-only ldtarball, $what" 7 "$text" ldtarball "$T/b.tar.gz"
	hostile "binaries-only ldtarball --strict-conf, $what" 7 "$text" ldtarball --strict-conf "$T/b.tar.gz"
	rm -rf "$T/src"/* "$T/tree"/*
}
binaries_case "BUILT_MODULE_NAME shell (REMAKE_INITRD)" "BUILT_MODULE_NAME[0] \"x;id>pwned\" is not a valid name" \
	"$K/$A" tiny 1.0 "BUILT_MODULE_NAME[0]='x;id>pwned'" 'REMAKE_INITRD=yes'
binaries_case "PACKAGE_VERSION escape" 'PACKAGE_VERSION "1/../../../canary" is not a valid name' \
	"$K/$A" tiny 1/../../../canary
binaries_case "a kernel directory with a shell word" "dkms_main_tree: kernel version \"x;touch \" is not a valid name" \
	"x;touch /$A" tiny 1.0
binaries_case "an arch directory with a leading dash" "dkms_main_tree: arch \"-rf\" is not a valid name" \
	"$K/-rf" tiny 1.0

# a plain tarball (a source dir with its dkms.conf) through add: as add <dir> (8)
rm -rf "$T/tb" && pkgdir "$T/tb/tiny-1.0" tiny "1/../../../canary/z"
mktar "$T/p.tar.gz" "$T/tb"
hostile "add <plain tarball>, PACKAGE_VERSION escape" 8 'PACKAGE_VERSION "1/../../../canary/z" is not a valid name' \
	add "$T/p.tar.gz"
rm -rf "$T/src"/* "$T/tree"/*

# ---- symlinks planted inside the trees ------------------------------------------
if [[ -z $K ]]; then
	skip "symlinks in the trees, builds" "no kernel headers installed"
else
	pkgdir "$T/src/tiny-1.0" tiny 1.0 "DEST_MODULE_LOCATION[0]=/updates/dkms"
	step "a valid package: build" 0 build tiny/1.0 -k "$K"

	# the install tree's updates/ points out: install must not write there
	mkdir -p "$T/canary/updates/dkms"  # empty: a path-based rmdir of the failed install would take it
	snapshot >"$T/canary.0"
	ln -s "$T/canary/updates" "$T/inst/$K/updates"
	hostile "install through inst/<k>/updates -> outside" 6 "leads outside the install tree" install tiny/1.0 -k "$K"
	DKMS_BENEATH_NO_OPENAT2=1 hostile "the same without openat2 (O_NOFOLLOW walk)" 6 \
		"leads outside the install tree" install tiny/1.0 -k "$K"
	rm "$T/inst/$K/updates"

	# installed, then the directory is moved out and linked back: uninstall keeps off
	step "install" 0 install tiny/1.0 -k "$K"
	mv "$T/inst/$K/updates" "$T/canary/moved"
	ln -s "$T/canary/moved" "$T/inst/$K/updates"
	snapshot >"$T/canary.0"
	step "uninstall with inst/<k>/updates -> outside" 0 uninstall tiny/1.0 -k "$K"
	safe "uninstall through a symlink out of the install tree"
	rm "$T/inst/$K/updates"

	# a module dir of the dkms tree that is a link out: remove does not delete there
	mkdir -p "$T/canary/evil/1.0/$K/$A/module" "$T/canary/evilsrc"
	touch "$T/canary/evilsrc/dkms.conf"
	ln -s "$T/canary/evilsrc" "$T/canary/evil/1.0/source"
	ln -s "$T/canary/evil" "$T/tree/evil"
	snapshot >"$T/canary.0"
	dk remove evil/1.0 --all
	safe "remove evil/1.0 --all with tree/evil -> outside (exit $rc)"
	DKMS_BENEATH_NO_OPENAT2=1 dk remove evil/1.0 --all
	safe "the same without openat2 (exit $rc)"
	rm "$T/tree/evil"

	# a package dir that links out, built there: install writes no kernel link there
	mkdir -p "$T/canary/linked/1.0/$K/$A/module"
	pkgdir "$T/canary/linkedsrc" linked 1.0
	ln -s "$T/canary/linkedsrc" "$T/canary/linked/1.0/source"
	cp "$T/tree/tiny/1.0/$K/$A/module"/dkms_tiny.ko* "$T/canary/linked/1.0/$K/$A/module/" 2>/dev/null ||
		echo ko >"$T/canary/linked/1.0/$K/$A/module/dkms_tiny.ko"
	ln -s "$T/canary/linked" "$T/tree/linked"
	snapshot >"$T/canary.0"
	hostile "install with tree/linked -> outside" 6 "leads outside the DKMS tree" install linked/1.0 -k "$K"
	rm "$T/tree/linked"

	# ldtarball --force onto a package dir that links out: nothing deleted there
	rm -rf "$T/tb" && mkdir -p "$T/tb/dkms_main_tree/$K/$A/module"
	echo ko >"$T/tb/dkms_main_tree/$K/$A/module/dkms_tiny.ko"
	pkgdir "$T/tb/dkms_source_tree" tiny 1.0 "DEST_MODULE_LOCATION[0]=/updates/dkms"
	mktar "$T/f.tar.gz" "$T/tb"
	mkdir -p "$T/canary/v/$K/$A"
	echo keep >"$T/canary/v/$K/$A/file"
	rm -rf "$T/tree/tiny/1.0/$K"
	ln -s "$T/canary/v/$K" "$T/tree/tiny/1.0/$K"
	snapshot >"$T/canary.0"
	dk ldtarball --force "$T/f.tar.gz"
	says "ldtarball --force through tree/tiny/1.0/<k> -> outside" "leads outside the DKMS tree"
	safe "ldtarball --force through a symlink out of the DKMS tree (exit $rc)"
	rm -f "$T/tree/tiny/1.0/$K"
	step "remove tiny" 0 remove tiny/1.0 --all

	# the source tree copy: <sourcetree>/<m>-<v> is a link out; add --force replaces the link
	pkgdir "$T/in/tiny2" tiny2 1.0
	mkdir -p "$T/canary/tiny2-src" && echo keep >"$T/canary/tiny2-src/file"
	ln -s "$T/canary/tiny2-src" "$T/src/tiny2-1.0"
	snapshot >"$T/canary.0"
	step "add --force <dir> over src/tiny2-1.0 -> outside" 0 add --force "$T/in/tiny2"
	safe "add --force: the link is replaced, not followed"
	check "... the copy is in the source tree" test -f "$T/src/tiny2-1.0/dkms.conf" -a ! -L "$T/src/tiny2-1.0"
	step "remove tiny2" 0 remove tiny2/1.0 --all

	# ---- default outputs in the DKMS tree: a symlink planted there leads no write out
	pkgdir "$T/src/outs-1.0" outs 1.0 "DEST_MODULE_LOCATION[0]=/updates/dkms"
	step "outputs: build outs/1.0" 0 build outs/1.0 -k "$K"
	mv=$T/tree/outs/1.0
	# out_case LINK TARGET RC TEXT ACTION...: <mv>/LINK -> TARGET (outside), ACTION exits RC saying TEXT
	out_case() {
		local link=$1 target=$2 want=$3 text=$4
		shift 4
		if [[ -e $mv/$link && ! -L $mv/$link ]]; then mv "$mv/$link" "$mv/$link.real"; fi
		ln -sfn "$target" "$mv/$link"
		snapshot >"$T/canary.0"
		hostile "$* with $link -> outside" "$want" "$text" "$@"
		DKMS_BENEATH_NO_OPENAT2=1 hostile "$* with $link -> outside, without openat2" "$want" "$text" "$@"
		rm "$mv/$link"
		if [[ -e $mv/$link.real ]]; then mv "$mv/$link.real" "$mv/$link"; fi
	}
	mkdir -p "$T/canary/out"
	lo="leads outside the DKMS tree"
	out_case tarball "$T/canary/out" 9 "$lo" mktarball outs/1.0 -k "$K"
	out_case tarball "$T/canary/out" 9 "$lo" mktarball outs/1.0 -k "$K" --archive bare-name.tar.gz
	out_case driver_disk "$T/canary/out" 6 "$lo" mkdriverdisk outs/1.0 -k "$K" -d redhat
	out_case bmdeb "$T/canary/out" 1 "$lo" mkbmdeb outs/1.0 -k "$K"
	out_case deb "$T/canary/out" 1 "$lo" mkdeb outs/1.0
	out_case rpm "$T/canary/out" 1 "$lo" mkrpm outs/1.0 -k "$K"
	out_case rpm "$T/canary/out" 1 "$lo" mkrpm outs/1.0 --source
	# rpmbuild.log: its directory, or the log itself, linked out (O_TRUNC would empty the target)
	out_case "$K/$A/log" "$T/canary/out" 1 "$lo" mkrpm outs/1.0 -k "$K"
	out_case log "$T/canary/out" 1 "$lo" mkrpm outs/1.0 --source
	mkdir -p "$mv/$K/$A/log"
	out_case "$K/$A/log/rpmbuild.log" "$T/canary/keep/file" 1 "$lo" mkrpm outs/1.0 -k "$K"
	mkdir -p "$mv/log"
	out_case log/rpmbuild.log "$T/canary/keep/file" 1 "$lo" mkrpm outs/1.0 --source
	check "... no output dir left in the tree" test ! -e "$mv/driver_disk" -a ! -e "$mv/rpm" -a ! -e "$mv/deb" \
		-a ! -e "$mv/bmdeb"

	# without links every output lands in its default dir; a link inside the tree is followed
	mkdir -p "$mv/elsewhere-in-tree"
	ln -s elsewhere-in-tree "$mv/rpm"
	for a in "mktarball outs/1.0 -k $K:tarball/*.tar.gz" "mkdriverdisk outs/1.0 -k $K -d redhat:driver_disk/*.iso" \
		"mkbmdeb outs/1.0 -k $K:bmdeb/*.deb" "mkdeb outs/1.0:deb/*.deb" "mkrpm outs/1.0 -k $K:rpm/*.rpm" \
		"mkrpm outs/1.0 --source:rpm/*dkms*.rpm"; do
		# (word splitting wanted: the action and its arguments)
		# shellcheck disable=SC2086
		step "outputs: ${a%%:*}" 0 ${a%%:*}
		# shellcheck disable=SC2086
		check "... written to <m>/<v>/${a#*:}" test -f $mv/${a#*:}
	done
	check "... rpm/ -> a directory inside the tree: the RPMs are there" test -n "$(ls "$mv/elsewhere-in-tree"/*.rpm)"
	# an --archive the admin gives is followed wherever it leads
	mkdir -p "$T/adminout" && ln -s "$T/adminout" "$T/adminlink"
	step "outputs: mkdeb --archive <a link the admin made>" 0 mkdeb outs/1.0 --archive "$T/adminlink"
	check "... the package is where the link leads" test -n "$(ls "$T/adminout"/*.deb)"
	safe "outputs"
	step "remove outs" 0 remove outs/1.0 --all

	# the default MAKE in a dkms tree with a space, with and without --strict-conf
	sp="$T/tree with space"
	mkdir -p "$sp"
	pkgdir "$T/src/spaced-1.0" spaced 1.0 "BUILT_MODULE_NAME[0]=dkms_tiny"
	"$DKMS_BIN" --dkmstree "$sp" --sourcetree "$T/src" --installtree "$T/inst" build spaced/1.0 -k "$K" \
		>"$T/out" 2>"$T/err"
	rc=$?
	if [[ $rc == 0 && -n $(find "$sp/spaced/1.0/$K/$A/module" -name 'dkms_tiny.ko*') ]]; then
		ok "default MAKE: a --dkmstree with a space builds"
	else not_ok "default MAKE: a --dkmstree with a space builds (exit $rc)"; tail -n 20 "$T/err" "$sp/spaced/1.0/build/make.log" | diag; fi
	rm -rf "$sp/spaced"
	"$DKMS_BIN" --dkmstree "$sp" --sourcetree "$T/src" --installtree "$T/inst" --strict-conf build spaced/1.0 -k "$K" \
		>"$T/out" 2>"$T/err"
	rc=$?
	if [[ $rc == 0 && -n $(find "$sp/spaced/1.0/$K/$A/module" -name 'dkms_tiny.ko*') ]]; then
		ok "--strict-conf: the default MAKE runs without a shell and builds"
	else not_ok "--strict-conf: the default MAKE runs without a shell and builds (exit $rc)"; tail -n 20 "$T/err" | diag; fi
	safe "builds"

	# --strict-conf: PATCH and PRE_BUILD run directly, their quoting kept
	pkgdir "$T/src/strictok-1.0" strictok 1.0 "PATCH[0]=fix.patch" "PRE_BUILD=\"pre.sh 'one word' two\""
	mkdir -p "$T/src/strictok-1.0/patches"
	printf -- '--- a/added.txt\n+++ b/added.txt\n@@ -0,0 +1 @@\n+patched\n' >"$T/src/strictok-1.0/patches/fix.patch"
	printf '#!/bin/sh\nprintf "pre.sh:"; printf "%%s|" "$@"; echo\n' >"$T/src/strictok-1.0/pre.sh"
	chmod +x "$T/src/strictok-1.0/pre.sh"
	step "--strict-conf: build with PATCH and PRE_BUILD" 0 --strict-conf build strictok/1.0 -k "$K"
	log=$T/tree/strictok/1.0/$K/$A/log/make.log
	check "... the patch applied" grep -q "^patching file added.txt" "$log"
	check "... PRE_BUILD got its words as quoted" grep -qx 'pre.sh:one word|two|' "$log"
	pkgdir "$T/in/badpatch" badpatch 1.0 "PATCH[0]='x;touch $PWNED'"
	step "add a package with a hostile PATCH" 0 add "$T/in/badpatch"
	hostile "build: PATCH with ;" 5 "PATCH \"x;touch $PWNED\" as specified in dkms.conf is not a valid location: ';'" \
		build badpatch/1.0 -k "$K"
fi

# ---- REMAKE_INITRD: generated configuration -------------------------------------
if [[ -n $K ]]; then
	cat >"$T/mkimage.sh" <<-'EOF'
	#!/bin/sh
	echo image >"$1"
	EOF
	chmod +x "$T/mkimage.sh"
	{
		echo "bootdir=$T/boot"
		echo "initrd_sysconfdir=$T/sysconf"
		echo "initrd_generator=\"$T/mkimage.sh {image} {kernel} {moduledir}\""
		echo "initrd_mode=regenerate"
	} >"$T/etc/framework.conf"
	echo image >"$T/boot/initrd.img-$K"
	# (no evaluator keeps a newline in a value; --directive does)
	pkgdir "$T/src/mcline-1.0" mcline 1.0 'REMAKE_INITRD=yes'
	step "REMAKE_INITRD: build a package" 0 build mcline/1.0 -k "$K"
	dk install mcline/1.0 -k "$K" --directive "MODULES_CONF=options dkms_tiny x=1
install usb_storage /bin/sh -c 'touch $PWNED'"
	says "install: MODULES_CONF with a newline" 'MODULES_CONF[0] "options dkms_tiny x=1\ninstall usb_storage'
	check "... no modprobe.d file written" test ! -e "$T/sysconf/modprobe.d/dkms-mcline.conf"
	safe "install: MODULES_CONF with a newline (exit $rc)"
	pkgdir "$T/src/mcalias-1.0" mcalias 1.0 'REMAKE_INITRD=yes' "MODULES_CONF_ALIAS_TYPE[0]='x;touch $PWNED'"
	hostile "build: MODULES_CONF_ALIAS_TYPE with ;" 8 "MODULES_CONF_ALIAS_TYPE[0] \"x;touch $PWNED\" is not a valid name" \
		build mcalias/1.0 -k "$K"
	check "... no modprobe.d file written" test ! -e "$T/sysconf/modprobe.d/dkms-mcalias.conf"
	: >"$T/etc/framework.conf"
fi

# ---- what real packages and kernels use stays accepted ---------------------------
accept() {
	local what=$1
	shift
	n=$((n + 1))
	pkgdir "$T/in/a$n" "$@"
	step "accepted: $what" 0 add "$T/in/a$n"
	rm -rf "$T/src"/* "$T/tree"/*
}
accept "version 1.2.3-4+deb12u1" tiny 1.2.3-4+deb12u1
accept "version 0.9~rc1" tiny 0.9~rc1
accept "version 2.0_beta:1" tiny 2.0_beta:1
accept "name nvidia-current" nvidia-current 1.0
accept "name r8168, BUILT_MODULE_LOCATION src/" r8168 8.051.02 "BUILT_MODULE_LOCATION[0]=src/"
accept "BUILT_MODULE_LOCATION ./" v4l2loopback 0.12.7 "BUILT_MODULE_LOCATION[0]=./"
accept "BUILT_MODULE_LOCATION drivers/net/, DEST /kernel/drivers/net/wireless" tiny 1.0 \
	"BUILT_MODULE_LOCATION[0]=drivers/net/" "DEST_MODULE_LOCATION[0]=/kernel/drivers/net/wireless"
accept "DEST_MODULE_LOCATION /extra/ and /updates/dkms" tiny 1.0 "BUILT_MODULE_NAME[0]=dkms_tiny" "DEST_MODULE_LOCATION[0]=/extra/" \
	"BUILT_MODULE_NAME[1]=two" "DEST_MODULE_LOCATION[1]=/updates/dkms"
for kr in 6.1.0-57-amd64 5.14.0-362.el9.x86_64 6.8.0-1+rpt1; do
	step "accepted: kernel release $kr" 0 status -k "$kr"
done
safe "accepted names"

echo "1..$_tap_n"
