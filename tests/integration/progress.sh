#!/bin/bash
# Progress and colour, with a real build of examples/dkms_tiny in private trees.
# On a pseudo-terminal (script -qfec) a build shows one updating line: module,
# kernel, elapsed time and the last line of make output, redrawn with a
# carriage return and erase-to-end-of-line, and replaced by dkms's own
# "Building module(s)... done." at the end, so the screen reads as dkms's
# plain output. "done." is green, "Error!" red, "Warning:" yellow, on the
# streams that are terminals only. Without a terminal, with NO_COLOR, with
# TERM=dumb or with -q, the output has no control sequence at all; without a
# terminal it is dkms's exact text. make.log is the same either way.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
ARCH=$(uname -m)
if [[ -z $K ]]; then
	skip "progress" "no kernel headers installed"
	exit 0
fi
if ! command -v script >/dev/null || ! command -v python3 >/dev/null; then
	skip "progress" "needs script (util-linux) and python3"
	exit 0
fi

mkdir -p "$T"/{src,tree,inst/"$K",etc}
ln -s "/usr/src/linux-headers-$K" "$T/inst/$K/build"
printf 'ID=debian\nVERSION_ID="12"\n' >"$T/os-release"
export DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T/etc LC_ALL=C
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub try_sign_modules=false
unset sign_file post_transaction parallel_jobs NO_COLOR
export TERM=xterm

# The tiny module, with a make that is silent for 2.5 s first: the clock must
# move on while make prints nothing.
cp -r "$TOP/examples/dkms_tiny" "$T/tiny"
cat >>"$T/tiny/dkms.conf" <<'EOF'
MAKE[0]="sleep 2.5; make -C $kernel_source_dir M=$dkms_tree/$PACKAGE_NAME/$PACKAGE_VERSION/build"
EOF

D=("$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$T/inst")
printf -v DQ '%q ' "${D[@]}"

# on_pty FILE ARGS...: run dkms on a pseudo-terminal; its bytes go to FILE.
on_pty() {
	local out=$1
	shift
	local args
	printf -v args '%q ' "$@"
	script -qfec "$DQ$args" /dev/null >"$out" </dev/null
}

# screen FILE: what a terminal shows after FILE's bytes (CR, erase to end of
# line, colours dropped), CRLF as LF.
screen() {
	python3 -c '
import re, sys
data = open(sys.argv[1], encoding="utf-8", errors="replace", newline="").read()
for line in data.split("\n"):
    cells, col = [], 0
    for tok in re.split(r"(\r|\x1b\[K|\x1b\[[0-9;]*m)", line):
        if tok == "\r":
            col = 0
        elif tok == "\x1b[K":
            del cells[col:]
        elif tok.startswith("\x1b["):
            pass
        else:
            for ch in tok:
                if col < len(cells):
                    cells[col] = ch
                else:
                    cells.append(ch)
                col += 1
    sys.stdout.write("".join(cells) + "\n")
' "$1" | sed '$ { /^$/d }'
}

has() { grep -qaF -- "$2" "$1" || { echo "no '$2' in:"; cat -v "$1" | head -20; return 1; }; }
hasnt() { ! grep -qaF -- "$2" "$1" || { echo "'$2' found in:"; cat -v "$1" | head -20; return 1; }; }
no_escapes() { ! grep -qaP '[\r\x1b]' "$1" || { echo "control sequences in:"; cat -v "$1" | head; return 1; }; }
esc=$'\033'
cr=$'\r'

expect_rc "add" 0 "${D[@]}" add "$T/tiny"

# --- without a terminal: dkms's exact lines ----------------------------------
"${D[@]}" build -k "$K" dkms_tiny/1.0 >"$T/plain.out" 2>&1 </dev/null
rc=$?
[[ $rc == 0 ]] && ok "build, output to a pipe: exit 0" || not_ok "build, output to a pipe: exit $rc"
printf "Module signing is disabled by policy, modules won't be signed\n\nBuilding module(s)... done.\n" >"$T/plain.want"
expect_same "no terminal: dkms's plain lines, byte for byte" "$T/plain.want" "$T/plain.out"
check "no terminal: no carriage return or escape sequence" no_escapes "$T/plain.out"
sed -E -e '2d' -e 's/^# elapsed time: .*/# elapsed time/' "$T/tree/dkms_tiny/1.0/$K/$ARCH/log/make.log" >"$T/plain.log"

# --- on a terminal: the updating line ----------------------------------------
on_pty "$T/pty.out" build --force -k "$K" dkms_tiny/1.0
check "terminal: build exit 0, module built" test -f "$T/tree/dkms_tiny/1.0/$K/$ARCH/module/dkms_tiny.ko"
check "terminal: line starts over with a carriage return: module and kernel" \
	has "$T/pty.out" "${cr}Building dkms_tiny/1.0 for $K  [0:00]"
check "terminal: erase to end of line after each redraw" has "$T/pty.out" "[0:00]${esc}[K"
check "terminal: the clock moves on while make is silent" \
	has "$T/pty.out" "${cr}Building dkms_tiny/1.0 for $K  [0:02]${esc}[K"
check "terminal: kbuild's 'CC [M]' line shown as 'CC [M] dkms_tiny.o'" \
	has "$T/pty.out" "]  CC [M] dkms_tiny.o${esc}[K"
check "terminal: the line is cleared when make is done" has "$T/pty.out" "${cr}${esc}[KBuilding module(s)... "
check "terminal: 'done.' in green" has "$T/pty.out" "Building module(s)... ${esc}[32mdone.${esc}[0m"
screen "$T/pty.out" >"$T/pty.screen"
expect_same "terminal: the screen ends with dkms's plain lines" "$T/plain.want" "$T/pty.screen"
sed -E -e '2d' -e 's/^# elapsed time: .*/# elapsed time/' "$T/tree/dkms_tiny/1.0/$K/$ARCH/log/make.log" >"$T/pty.log"
expect_same "terminal: make.log the same as without a terminal" "$T/plain.log" "$T/pty.log"
# no progress line is longer than the terminal is wide (it would wrap, and
# the carriage return would then redraw only its last row)
longest() { python3 -c '
import re, sys
cols = int(sys.argv[2])
for seg in re.split(r"[\r\n]", open(sys.argv[1], errors="replace", newline="").read()):
    seg = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", seg)
    if seg.startswith("Building dkms_tiny") and len(seg) >= cols:
        print("too long (%d >= %d): %r" % (len(seg), cols, seg)); sys.exit(1)
' "$1" "$2"; }
COLUMNS=40 script -qfec "stty cols 40; $DQ build --force -k $K dkms_tiny/1.0" /dev/null >"$T/narrow.out" </dev/null
check "terminal 40 columns wide: no drawn line reaches column 40" longest "$T/narrow.out" 40
check "terminal 40 columns wide: the line was drawn, cut" has "$T/narrow.out" "${cr}Building dkms_tiny/1.0 for ${K:0:10}"

# --- NO_COLOR, TERM=dumb, -q ---------------------------------------------------
NO_COLOR=1 on_pty "$T/nocolor.out" build --force -k "$K" dkms_tiny/1.0
check "NO_COLOR=1: no colour sequence" hasnt "$T/nocolor.out" "${esc}[3"
check "NO_COLOR=1: the progress line is still drawn" has "$T/nocolor.out" "${cr}Building dkms_tiny/1.0 for $K  [0:0"
NO_COLOR= on_pty "$T/emptycolor.out" build --force -k "$K" dkms_tiny/1.0
check "NO_COLOR empty: colour (no-color.org: only a non-empty value disables)" \
	has "$T/emptycolor.out" "${esc}[32mdone."
TERM=dumb on_pty "$T/dumb.out" build --force -k "$K" dkms_tiny/1.0
tr -d '\r' <"$T/dumb.out" >"$T/dumb.lf"
expect_same "TERM=dumb: dkms's plain lines only" "$T/plain.want" "$T/dumb.lf"
on_pty "$T/quiet.out" -q build --force -k "$K" dkms_tiny/1.0
check "-q on a terminal: built" test -f "$T/tree/dkms_tiny/1.0/$K/$ARCH/module/dkms_tiny.ko"
check "-q on a terminal: nothing printed, no progress (as dkms -q)" test ! -s "$T/quiet.out"
"${D[@]}" build --force -k "$K" dkms_tiny/1.0 >"$T/file.out" 2>&1 </dev/null
expect_same "output to a file: dkms's plain lines" "$T/plain.want" "$T/file.out"

# --- Error! and Warning: --------------------------------------------------------
on_pty "$T/err.out" build -k "$K" nothere/1.0
check "terminal: 'Error!' in red" has "$T/err.out" "${esc}[31mError!${esc}[0m Could not find module source directory."
NO_COLOR=1 on_pty "$T/err-nc.out" build -k "$K" nothere/1.0
check "NO_COLOR=1: 'Error!' plain" has "$T/err-nc.out" "${cr}"$'\n'"Error! Could not find module source directory."
script -qfec "$DQ build -k $K nothere/1.0 2>$T/err.file" /dev/null >/dev/null </dev/null
printf '\nError! Could not find module source directory.\nDirectory: %s/src/nothere-1.0 does not exist.\n' "$T" >"$T/err.want"
expect_same "stderr to a file while stdout is a terminal: no colour in it" "$T/err.want" "$T/err.file"
on_pty "$T/warn.out" status dkms_tiny/1.0 extra-argument
check "terminal: 'Warning:' in yellow" has "$T/warn.out" "${esc}[33mWarning:${esc}[0m I do not know how to handle extra-argument."
on_pty "$T/status.out" status dkms_tiny/1.0
tr -d '\r' <"$T/status.out" >"$T/status.lf"
printf 'dkms_tiny/1.0, %s, %s: built\n' "$K" "$ARCH" >"$T/status.want"
expect_same "terminal: status lines unchanged" "$T/status.want" "$T/status.lf"

# --- a failing build on a terminal ----------------------------------------------
echo '#error broken on purpose' >>"$T/src/dkms_tiny-1.0/dkms_tiny.c"
on_pty "$T/fail.out" build --force -k "$K" dkms_tiny/1.0
screen "$T/fail.out" >"$T/fail.screen"
check "failing build: the progress line made way for '(bad exit status: 2)'" \
	grep -qx 'Building module(s)...(bad exit status: 2)' "$T/fail.screen"
check "failing build: '(bad exit status' in red" has "$T/fail.out" "${esc}[31m(bad exit status: 2)${esc}[0m"
check "failing build: the compiler's error in make.log" \
	grep -q 'broken on purpose' "$T/tree/dkms_tiny/1.0/build/make.log"

echo "1..$_tap_n"
