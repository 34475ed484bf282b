#!/bin/bash
# The manual pages man/dkms.8 and man/dkms.conf.5: man renders both without a
# warning (MANWIDTH=80 man --warnings -l, and groff -ww), and they describe
# what the program has: every action of `dkms --help` and of cmd/main.c's
# action table, every option parse_args accepts, every exit code of
# dkms-core/exitcode.h and every environment variable the program reads, in
# dkms(8); every directive of dkms-core/conf-vars.c's whitelist in
# dkms.conf(5). Each is looked for as an entry of its section, not just
# anywhere in the text.
. "$(dirname "$0")/../lib.sh"

if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
	echo "1..0 # SKIP man-db and groff are needed"
	exit 0
fi
M8=$TOP/man/dkms.8
M5=$TOP/man/dkms.conf.5
export LC_ALL=C.UTF-8 MANWIDTH=80

for page in "$M8" "$M5"; do
	name=${page##*/}
	if [[ ! -f $page ]]; then
		not_ok "$name exists"
		continue
	fi
	MANWIDTH=80 man --warnings -l "$page" 2>"$T/warn" >"$T/${name}.txt"
	expect_same "$name: man --warnings -l renders it without a warning" /dev/null "$T/warn"
	groff -man -ww -z "$page" >"$T/warn" 2>&1
	expect_same "$name: groff -man -ww: no warning of any kind" /dev/null "$T/warn"
	check "$name: rendered text is not empty" test -s "$T/${name}.txt"
	check "$name: no line wider than MANWIDTH" awk 'length > 80 { print; bad = 1 } END { exit bad }' "$T/${name}.txt"
done

# section NAME FILE: the lines of a rendered page's section NAME.
section() { awk -v s="$1" '/^[A-Z]/ { on = ($0 == s) } on' "$2"; }

# is_entry WORD FILE: WORD begins an entry (a .TP tag) of FILE's rendered
# section, alone or in a comma-separated list of tags.
is_entry() {
	local w=$1 f=$2
	grep -qE "^ {7}([^ ].*, )?$(printf '%s' "$w" | sed 's/[][\.*^$]/\\&/g')([ ,=[]|$)" "$f"
}

# all_entries NAME FILE WORD...: each WORD is an entry of FILE; lists the missing.
all_entries() {
	local name=$1 f=$2 w missing=
	shift 2
	for w in "$@"; do is_entry "$w" "$f" || missing+=" $w"; done
	if [[ -z $missing ]]; then ok "$name"; else not_ok "$name (missing:$missing)"; fi
}

section ACTIONS "$T/dkms.8.txt" >"$T/actions"
section OPTIONS "$T/dkms.8.txt" >"$T/options"
section ENVIRONMENT "$T/dkms.8.txt" >"$T/environment"
section "EXIT STATUS" "$T/dkms.8.txt" >"$T/exit"
section DIRECTIVES "$T/dkms.conf.5.txt" >"$T/directives"

# --- actions ---------------------------------------------------------------------
if [[ -x $DKMS_BIN ]]; then
	# the list between { } in the usage, over several lines
	help_actions=$(DKMS_OS_RELEASE=/dev/null "$DKMS_BIN" --help 2>/dev/null | sed -n '/\[action\]  = {/,/}/p' |
		tr -d '{}|' | sed 's/.*=//' | tr -s ' \n' '\n' | grep -E '^[a-z_]+$')
	n=$(wc -w <<<"$help_actions")
	((n >= 15)) && ok "dkms --help lists $n actions" || not_ok "dkms --help lists $n actions: $help_actions"
	# shellcheck disable=SC2086
	all_entries "dkms.8 ACTIONS: every action of dkms --help" "$T/actions" $help_actions
else
	skip "dkms --help lists actions" "$DKMS_BIN not built"
	skip "dkms.8 ACTIONS: every action of dkms --help" "$DKMS_BIN not built"
fi
mapfile -t table < <(sed -n 's/^\t{ "\([a-z_]*\)", cmd_.*/\1/p' "$TOP/cmd/main.c")
((${#table[@]} >= 21)) && ok "cmd/main.c's table has ${#table[@]} actions" || not_ok "actions in cmd/main.c: ${table[*]}"
all_entries "dkms.8 ACTIONS: every action of cmd/main.c's table" "$T/actions" "${table[@]}"
for a in mkdriverdisk checkdisk mkrpm mkbmdeb mkdeb lsinitrd; do
	grep -qw -- "$a" <(section SYNOPSIS "$T/dkms.8.txt") || missing_syn+=" $a"
done
[[ -z ${missing_syn:-} ]] && ok "dkms.8 SYNOPSIS: the driver disk, package and initrd actions" ||
	not_ok "dkms.8 SYNOPSIS lacks:$missing_syn"

# --- options -----------------------------------------------------------------------
mapfile -t options < <(grep -oE '(streq\(a|opt_prefix\(a), "-[^"]*"' "$TOP/cmd/main.c" | sed 's/.*"\(-[^"]*\)"/\1/' | sort -u)
((${#options[@]} >= 40)) && ok "parse_args accepts ${#options[@]} options" || not_ok "options in cmd/main.c: ${options[*]}"
all_entries "dkms.8 OPTIONS: every option parse_args accepts" "$T/options" "${options[@]}"
all_entries "dkms.8 OPTIONS: the driver disk and initrd options" "$T/options" \
	-d --distro -r --release --media --size --compress --initrd --initrd-mode --bootdir --source --json --strict-conf

# --- exit codes --------------------------------------------------------------------
mapfile -t codes < <(sed -n 's/^\tDKMS_[A-Z_]* = \([0-9]*\),.*/\1/p' "$TOP/dkms-core/exitcode.h")
((${#codes[@]} >= 15)) && ok "exitcode.h has ${#codes[@]} codes" || not_ok "codes in exitcode.h: ${codes[*]}"
all_entries "dkms.8 EXIT STATUS: every code of exitcode.h" "$T/exit" "${codes[@]}"

# --- environment -------------------------------------------------------------------
mapfile -t envs < <(grep -rhoE 'getenv\("[A-Za-z_]+"\)|env_or\("[A-Za-z_]+"' "$TOP"/{cmd,dkms-core,formats,mkdisk,initrd} 2>/dev/null |
	sed 's/.*("\([A-Za-z_]*\)".*/\1/' | sort -u |
	grep -vxE 'PATH|DKMS_TREE_LOCKED|FAKECHROOT|FAKECHROOT_BASE|LD_PRELOAD')
all_entries "dkms.8 ENVIRONMENT: every variable the program reads" "$T/environment" "${envs[@]}"
all_entries "dkms.8 ENVIRONMENT: DKMS_ETC_DIR DKMS_OS_RELEASE DKMS_CONF_TIMEOUT NO_COLOR" "$T/environment" \
	DKMS_ETC_DIR DKMS_OS_RELEASE DKMS_CONF_TIMEOUT NO_COLOR

# --- dkms.conf directives ----------------------------------------------------------
mapfile -t directives < <(sed -n '/directive_names\[\] = {/,/};/p' "$TOP/dkms-core/conf-vars.c" | grep -oE '"[A-Za-z_]+"' | tr -d '"')
((${#directives[@]} >= 40)) && ok "conf-vars.c whitelists ${#directives[@]} directives" ||
	not_ok "directives in conf-vars.c: ${directives[*]}"
all_entries "dkms.conf.5 DIRECTIVES: every whitelisted directive" "$T/directives" "${directives[@]}"
all_entries "dkms.conf.5 DIRECTIVES: REMAKE_INITRD and MODULES_CONF*" "$T/directives" \
	REMAKE_INITRD MODULES_CONF MODULES_CONF_ALIAS_TYPE MODULES_CONF_OBSOLETES MODULES_CONF_OBSOLETE_ONLY
check "dkms.conf.5: REMAKE_INITRD regenerates or appends a fragment" \
	grep -qE 'regenerating it or appending' "$T/dkms.conf.5.txt"
check "dkms.8: the JSON flags of status --json named" grep -q 'built_and_installed_differ' "$T/dkms.8.txt"
check "dkms.8 and dkms.conf.5 refer to each other" \
	bash -c "grep -q 'dkms.conf(5)' '$T/dkms.8.txt' && grep -q 'dkms(8)' '$T/dkms.conf.5.txt'"

echo "1..$_tap_n"
