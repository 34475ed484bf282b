#!/bin/bash
# DESIGN.md's output rule: below cmd/ nothing writes to stdout or stderr; the
# core hands its messages to ctx->log_fn and cmd/output.c writes them. Checked
# on what the compiler made, not on the text: no object of build/libdkms.a
# (dkms-core, formats, mkdisk, initrd) refers to stdout, stderr or a function
# that writes to one of them by itself, and no source below cmd/ names the
# descriptors 1 and 2. The exceptions (DESIGN.md): util/strbuf.o (out of
# memory, it says so on stderr and aborts) and util/trace.o (--debug's trace
# of each command started, from util/spawn, which has no context).
# A control: cmd/main.o, which prints, must be caught by the same check.
. "$(dirname "$0")/../lib.sh"

LIB=$TOP/build/libdkms.a
if ! command -v nm >/dev/null || [[ ! -f $LIB ]]; then
	echo "1..0 # SKIP needs nm (binutils) and a built $LIB (make)"
	exit 0
fi
# glibc's symbols for the two streams and for the calls that write to them
# implicitly (gcc turns printf("x\n") into puts, fprintf(stderr, ...) into
# fwrite(..., stderr): both still name a symbol below)
WRITERS='stdout|stderr|printf|vprintf|__printf_chk|__vprintf_chk|puts|putchar|putchar_unlocked|perror|psignal|psiginfo|err|errx|verr|verrx|warn|warnx|vwarn|vwarnx|error|error_at_line'
ALLOWED='strbuf.o trace.o'

# writers FILE...: "object: symbol" for every such reference, allowed ones left out
writers() {
	nm -A -u "$@" 2>/dev/null | awk -v pat="^($WRITERS)\$" -v allowed="$ALLOWED" '
		{ n = split($1, p, ":"); obj = p[n - 1] == "" ? p[1] : p[n - 1]; sym = $NF }
		sym ~ pat && index(" " allowed " ", " " obj " ") == 0 { print obj ": " sym }' | sort -u
}

writers "$LIB" >"$T/refs"
expect_same "no object below cmd/ refers to stdout, stderr or an implicit writer" /dev/null "$T/refs"

ALLOWED='' writers "$LIB" >"$T/all"
check "the exceptions are still needed (else drop them from ALLOWED): util/strbuf.o" \
	grep -qx 'strbuf.o: stderr' "$T/all"
check "the exceptions are still needed (else drop them from ALLOWED): util/trace.o" \
	grep -qx 'trace.o: stderr' "$T/all"

if [[ -f $TOP/build/cmd/main.o ]]; then
	writers "$TOP/build/cmd/main.o" >"$T/control"
	check "control: the check catches cmd/main.o, which prints (usage, --version)" test -s "$T/control"
else
	skip "control: the check catches cmd/main.o" "build/cmd/main.o not built"
fi

# descriptors 1 and 2 by number or name in the sources below cmd/ (comments removed)
: >"$T/fds"
while IFS= read -r -d '' f; do
	gcc -fpreprocessed -dD -E -P "$f" 2>/dev/null |
		grep -nE 'STD(OUT|ERR)_FILENO|\b(write|dprintf|fsync|dup2)\(\s*[12]\s*,|\bfdopen\(\s*[12]\s*,' |
		sed "s|^|${f#"$TOP"/}:|" >>"$T/fds"
done < <(find "$TOP/dkms-core" "$TOP/formats" "$TOP/mkdisk" "$TOP/initrd" -name '*.[ch]' -print0)
expect_same "no source below cmd/ writes to the descriptors 1 or 2" /dev/null "$T/fds"
echo "1..$_tap_n"
