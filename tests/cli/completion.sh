#!/bin/bash
# Bash completion (completion/dkms), in an interactive bash (bash -i) with
# bash-completion loaded, as a user's shell has it: actions (exactly the
# action table of cmd/main.c), options (every one parse_args accepts, and
# per action only those that apply), module/version pairs from a private
# dkms tree (--dkmstree, both spellings), kernels from a private module tree
# (--installtree) and the installed headers, driver disk distros (exactly
# the formats in formats/) and media (per distro), compressions, initrd
# modes, and files for images and archives.
. "$(dirname "$0")/../lib.sh"

BC=/usr/share/bash-completion/bash_completion
COMP=$TOP/completion/dkms
if [[ ! -r $BC ]]; then
	echo "1..0 # SKIP bash-completion is not installed"
	exit 0
fi

# A private dkms tree: a/1.0, a/2.0, b/0.1, and a broken c/3 (dangling source).
mkdir -p "$T"/tree/{a/1.0,a/2.0,b/0.1,c/3,d/9} "$T/src/real" "$T/inst"/{5.10.0-1-amd64,6.9.9-test,notakernel}
ln -s "$T/src/real" "$T/tree/a/1.0/source"
ln -s "$T/src/real" "$T/tree/a/2.0/source"
ln -s "$T/src/real" "$T/tree/b/0.1/source"
ln -s "$T/src/gone" "$T/tree/c/3/source"
# d/9 has no source link: not a module/version dkms knows
touch "$T/image.iso" "$T/archive.tar.gz"
K=$(headers_kernel)

# The completion harness, run by an interactive bash: LINE ends where the
# cursor is; words split as readline splits them (blanks, and '=' as a
# word of its own, COMP_WORDBREAKS).
cat >"$T/harness.bash" <<EOF
source '$BC'
source '$COMP'
comp() {
	local line=\$1 w= i c
	COMP_LINE=\$line COMP_POINT=\${#line} COMP_WORDS=()
	for ((i = 0; i < \${#line}; i++)); do
		c=\${line:i:1}
		if [[ \$c == ' ' ]]; then
			[[ -n \$w ]] && COMP_WORDS+=("\$w")
			w=
		elif [[ \$c == '=' ]]; then
			[[ -n \$w ]] && COMP_WORDS+=("\$w")
			COMP_WORDS+=("=")
			w=
		else
			w+=\$c
		fi
	done
	COMP_WORDS+=("\$w")
	COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_dkms
	printf '%s\n' "\${COMPREPLY[@]}" | sort
}
EOF

# complete LINE: the candidates, sorted, one a line, into $T/got.
complete_line() {
	bash --norc --noprofile -i -c ". '$T/harness.bash'; comp \"\$1\"" bash "$1" 2>/dev/null </dev/null |
		sed '/^$/d' >"$T/got"
}

# offers NAME LINE WORD...: the candidates are exactly WORD...
offers() {
	local name=$1 line=$2
	shift 2
	complete_line "$line"
	: >"$T/want"
	(($#)) && printf '%s\n' "$@" | sort >"$T/want"
	expect_same "$name" "$T/want" "$T/got"
}

# includes NAME LINE WORD...: each WORD is a candidate.
includes() {
	local name=$1 line=$2 w missing=
	shift 2
	complete_line "$line"
	for w in "$@"; do grep -qxF -- "$w" "$T/got" || missing+=" $w"; done
	if [[ -z $missing ]]; then ok "$name"; else not_ok "$name (missing:$missing)"; diag <"$T/got"; fi
}

# excludes NAME LINE WORD...: no WORD is a candidate.
excludes() {
	local name=$1 line=$2 w found=
	shift 2
	complete_line "$line"
	for w in "$@"; do grep -qxF -- "$w" "$T/got" && found+=" $w"; done
	if [[ -z $found ]]; then ok "$name"; else not_ok "$name (offered:$found)"; fi
}

out=$(bash --norc --noprofile -i -c ". '$T/harness.bash'; complete -p dkms" 2>/dev/null </dev/null)
[[ $out == "complete -F _dkms dkms" ]] && ok "registered for dkms (complete -F _dkms)" ||
	not_ok "registered for dkms: '$out'"

# --- actions: those of cmd/main.c's table ------------------------------------
mapfile -t actions < <(sed -n 's/^\t{ "\([a-z_-]*\)", cmd_.*/\1/p' "$TOP/cmd/main.c")
((${#actions[@]} >= 21)) && ok "cmd/main.c lists ${#actions[@]} actions" || not_ok "actions read from cmd/main.c: ${actions[*]}"
offers "first word: every action of cmd/main.c" "dkms " "${actions[@]}"
offers "prefix 'mk': the mk* actions" "dkms mk" mkbmdeb mkdeb mkdriverdisk mkrpm mktarball
offers "prefix 'kernel_p'" "dkms kernel_p" kernel_postinst kernel_preinst kernel_prerm

# --- options -----------------------------------------------------------------
mapfile -t options < <(grep -oE '(streq\(a|opt_prefix\(a), "-[^"]*"' "$TOP/cmd/main.c" | sed 's/.*"\(-[^"]*\)"/\1/' | sort -u)
((${#options[@]} >= 40)) && ok "cmd/main.c accepts ${#options[@]} options" || not_ok "options read from cmd/main.c: ${options[*]}"
complete_line "dkms -"
sort -u "$T/got" >"$T/offered"
printf '%s\n' "${options[@]}" >"$T/accepted"
missing=$(comm -23 "$T/accepted" "$T/offered" | tr '\n' ' ')
[[ -z $missing ]] && ok "before an action: every option parse_args accepts" || not_ok "options not offered: $missing"
extra=$(comm -13 "$T/accepted" "$T/offered" | tr '\n' ' ')
[[ -z $extra ]] && ok "no option parse_args does not accept" || not_ok "options offered but not accepted: $extra"
includes "status: --json and the selections" "dkms status --" --json --module --kernelver --arch --dkmstree
excludes "status: no driver disk options" "dkms status --" --media --distro --compress --size
includes "mkdriverdisk: its options" "dkms mkdriverdisk --" --distro --release --media --size --compress --initrd --archive --kernelver
includes "mkdriverdisk: short -d -r -k" "dkms mkdriverdisk -" -d -r -k -a -m
includes "install: initrd handling" "dkms install --" --initrd-mode --bootdir --no-depmod --force
includes "remove: --all" "dkms remove --" --all
excludes "build: no --all, no --json" "dkms build --" --all --json
includes "mkrpm: --source" "dkms mkrpm --" --source --archive
includes "lsinitrd: --initrd --bootdir" "dkms lsinitrd --" --initrd --bootdir --kernelver
includes "mktarball: --binaries-only --source-only" "dkms mktarball --" --binaries-only --source-only
includes "an option before the action still finds it" "dkms --verbose status --" --json

# --- module/version pairs from the tree on the line -----------------------------
offers "module/version pairs of --dkmstree DIR" "dkms build --dkmstree $T/tree " a/1.0 a/2.0 b/0.1 c/3
offers "module/version pairs of --dkmstree=DIR" "dkms build --dkmstree=$T/tree " a/1.0 a/2.0 b/0.1 c/3
offers "--dkmstree after the action, prefix 'a'" "dkms install --dkmstree $T/tree a" a/1.0 a/2.0
offers "-m: module/version pairs" "dkms status --dkmstree $T/tree -m " a/1.0 a/2.0 b/0.1 c/3
offers "-v: the versions of -m's module" "dkms status --dkmstree $T/tree -m a -v " 1.0 2.0
offers "no second module/version" "dkms build --dkmstree $T/tree a/1.0 "
excludes "without --dkmstree: not the private tree" "dkms build " a/1.0 b/0.1

# --- kernels ---------------------------------------------------------------------
want_k=(5.10.0-1-amd64 6.9.9-test)
[[ -n $K ]] && want_k+=("$K")
offers "-k: kernels of --installtree and the installed headers" "dkms build --installtree $T/inst -k " "${want_k[@]}"
offers "--kernelver=: the same" "dkms build --installtree=$T/inst --kernelver=" "${want_k[@]}"
offers "--templatekernel: the same" "dkms match --installtree $T/inst --templatekernel " "${want_k[@]}"
excludes "-k: not a dir that is no kernel, not Debian's -common headers" "dkms build --installtree $T/inst -k " \
	notakernel "${K%-*}-common"

# --- driver disks ----------------------------------------------------------------
mapfile -t formats < <(grep -h -A1 '^const struct dud_format dud_format_[a-z0-9_]* = {' "$TOP"/formats/*.c |
	sed -n 's/^\t\.name = "\([^"]*\)",/\1/p')
((${#formats[@]} >= 5)) && ok "formats/ defines ${#formats[@]} formats" || not_ok "formats read from formats/: ${formats[*]}"
offers "-d: every format in formats/" "dkms mkdriverdisk -d " "${formats[@]}"
offers "--distro=: the same" "dkms mkdriverdisk --distro=" "${formats[@]}"
mapfile -t media < <(sed -n 's/^\t\[DUD_MEDIUM_[A-Z]*\] = "\([a-z]*\)",/\1/p' "$TOP/mkdisk/medium.c")
offers "--media: every medium of mkdisk/" "dkms mkdriverdisk --media " "${media[@]}"
offers "--media with -d redhat1: what that format supports" "dkms mkdriverdisk -d redhat1 --media " floppy iso tar
offers "--media with -d initramfs: cpio" "dkms mkdriverdisk -d initramfs --media=" cpio
offers "--compress" "dkms mkdriverdisk --compress " gzip none xz zstd
offers "--initrd-mode" "dkms install --initrd-mode " auto fragment regenerate
includes "-r with -d suse: SUSE releases" "dkms mkdriverdisk -d suse -r " sles15 tw

# --- files -------------------------------------------------------------------------
offers "checkdisk IMAGE: files" "dkms checkdisk $T/ima" "$T/image.iso"
offers "--archive: files" "dkms ldtarball --archive $T/arch" "$T/archive.tar.gz"
offers "--initrd=: files" "dkms lsinitrd --initrd=$T/ima" "$T/image.iso"
includes "--dkmstree: directories" "dkms --dkmstree $T/" "$T/tree" "$T/src" "$T/inst"
excludes "--dkmstree: directories only" "dkms --dkmstree $T/" "$T/image.iso"

echo "1..$_tap_n"
