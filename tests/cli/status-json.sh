#!/bin/bash
# `dkms status --json`: one array on stdout, one object per line of the text
# form: {"module", "version", "kernel", "arch", "state", "flags": [...]},
# kernel and arch null for added and broken entries. In every state reached
# here (added, built, installed, broken; original modules, built modules
# missing, built and installed differing) and with filters, the JSON must be
# valid (python3 -m json.tool), carry exactly these keys, and say the same as
# `dkms status` line for line. Names that need escaping stay valid JSON.
. "$(dirname "$0")/cli-lib.bash"

if ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP python3 not installed"
	exit 0
fi

# js ARGS...: status --json; stdout to $T/js.out, stderr to $T/js.err, $rc.
js() {
	dkms_tree status --json "$@" >"$T/js.out" 2>"$T/js.err" </dev/null
	rc=$?
}

# The text form rebuilt from the JSON, after checking its shape.
to_text() {
	python3 - "$1" <<'EOF'
import json, sys
suffix = {
    "original_modules_exist": " (Original modules exist)",
    "built_modules_missing": " (Built modules are missing in the kernel modules folder)",
    "built_and_installed_differ": " (Differences between built and installed modules)",
}
states = {"added", "built", "installed", "installed-weak", "broken"}
data = json.load(open(sys.argv[1], encoding="utf-8"))
assert isinstance(data, list), "not an array"
for e in data:
    assert sorted(e) == ["arch", "flags", "kernel", "module", "state", "version"], "keys %s" % sorted(e)
    assert e["state"] in states, "state %r" % e["state"]
    assert all(f in suffix for f in e["flags"]), "flags %r" % e["flags"]
    if e["state"] in ("added", "broken"):
        assert e["kernel"] is None and e["arch"] is None, "kernel/arch of %r" % e
        assert e["flags"] == [], "flags of %r" % e
        print("%s/%s: %s" % (e["module"], e["version"], e["state"]))
    else:
        assert isinstance(e["kernel"], str) and isinstance(e["arch"], str), "kernel/arch of %r" % e
        print("%s/%s, %s, %s: %s%s" % (e["module"], e["version"], e["kernel"], e["arch"], e["state"],
                                      "".join(suffix[f] for f in e["flags"])))
EOF
}

# same_as_text NAME ARGS...: --json is valid, exits as the text form does and
# says what it says.
same_as_text() {
	local name=$1 trc
	shift
	dkms_tree status "$@" >"$T/text.out" 2>/dev/null </dev/null
	trc=$?
	js "$@"
	if [[ $rc != "$trc" ]]; then
		not_ok "$name (exit $rc, text form $trc)"
	elif ! python3 -m json.tool "$T/js.out" >/dev/null 2>"$T/.jt"; then
		not_ok "$name (not valid JSON)"
		cat "$T/.jt" "$T/js.out" | diag
	elif ! to_text "$T/js.out" >"$T/js.text" 2>"$T/.jt"; then
		not_ok "$name (shape)"
		cat "$T/.jt" "$T/js.out" | diag
	else
		expect_same "$name" "$T/text.out" "$T/js.text"
	fi
}

# exact NAME EXPECTED ARGS...: stdout of status --json ARGS is EXPECTED (+ newline).
exact() {
	local name=$1
	printf '%s\n' "$2" >"$T/js.want"
	shift 2
	js "$@"
	expect_same "$name" "$T/js.want" "$T/js.out"
}

q() { dkms_tree "$@" >/dev/null 2>&1 </dev/null; }

exact "empty tree: []" "[]"
check "empty tree: valid JSON" python3 -m json.tool "$T/js.out"

fx hello-1.0
q add "$T/fx/hello-1.0"
exact "added: kernel and arch null, no flags" '[
  {"module": "hello", "version": "1.0", "kernel": null, "arch": null, "state": "added", "flags": []}
]'
same_as_text "added: same as the text form"

q build -k "$K" hello/1.0
add_kernel "$K2"
q build -k "$K2" hello/1.0
exact "built: one object per kernel" "[
  {\"module\": \"hello\", \"version\": \"1.0\", \"kernel\": \"$K\", \"arch\": \"$ARCH\", \"state\": \"built\", \"flags\": []},
  {\"module\": \"hello\", \"version\": \"1.0\", \"kernel\": \"$K2\", \"arch\": \"$ARCH\", \"state\": \"built\", \"flags\": []}
]"
same_as_text "built for two kernels: same as the text form"

q install -k "$K" hello/1.0
same_as_text "installed on one kernel, built on the other: same as the text form"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [(e["kernel"], e["state"]) for e in d] == [(sys.argv[2], "installed"), (sys.argv[3], "built")], d
' "$T/js.out" "$K" "$K2" >"$T/.py" 2>&1 && ok "installed: state per kernel" || { not_ok "installed: state per kernel"; diag <"$T/.py"; }

same_as_text "filter -k $K2" -k "$K2"
same_as_text "filter -m hello -k $K" -m hello -k "$K"
same_as_text "filter hello/1.0" hello/1.0
exact "filter matching nothing: []" "[]" -m nothere

# the installed file is another build: "Differences between built and installed modules"
fx hello-2.0
q add "$T/fx/hello-2.0"
q build -k "$K" hello/2.0
cp "$T/tree/hello/2.0/$K/$ARCH/module/hello.ko" "$T/inst/$K/updates/dkms/hello.ko"
js hello/1.0 -k "$K"
check "differing install: flag built_and_installed_differ" \
	grep -qF "\"state\": \"installed\", \"flags\": [\"built_and_installed_differ\"]}" "$T/js.out"
same_as_text "differing install: same as the text form"
q remove hello/2.0 --all

# the built module is gone from the dkms tree: "Built modules are missing ..."
mv "$T/tree/hello/1.0/$K2/$ARCH/module/hello.ko" "$T/hello.ko.away"
js hello/1.0 -k "$K2"
check "missing built module: flag built_modules_missing" \
	grep -qF "\"state\": \"built\", \"flags\": [\"built_modules_missing\"]}" "$T/js.out"
same_as_text "missing built module: same as the text form"
mv "$T/hello.ko.away" "$T/tree/hello/1.0/$K2/$ARCH/module/hello.ko"
q uninstall -k "$K" hello/1.0

# a module that replaces one shipped with the kernel: "Original modules exist"
fx hello_replace-2.0
q add "$T/fx/hello_replace-2.0"
mkdir -p "$T/inst/$K/kernel/drivers/misc"
cp "$T/tree/hello/1.0/$K/$ARCH/module/hello.ko" "$T/inst/$K/kernel/drivers/misc/hello.ko"
q install -k "$K" hello_replace/2.0
js -m hello_replace
check "replacing a kernel module: flag original_modules_exist" \
	grep -qF "\"state\": \"installed\", \"flags\": [\"original_modules_exist\"]}" "$T/js.out"
same_as_text "replacing a kernel module: same as the text form"
same_as_text "whole tree, several modules: same as the text form"
q remove hello_replace/2.0 --all

# broken: the source link dangles
fx multi/1.0
q add "$T/fx/multi/1.0"
rm -rf "$T/src/multi-1.0"
same_as_text "broken: same as the text form"
js -m multi
printf '[\n  {"module": "multi", "version": "1.0", "kernel": null, "arch": null, "state": "broken", "flags": []}\n]\n' >"$T/js.want"
expect_same "broken: state broken, kernel and arch null" "$T/js.want" "$T/js.out"
check "broken: the error still goes to stderr" grep -q '^Error! multi/1.0: Missing the module source directory' "$T/js.err"
rm -rf "$T/tree/multi"

# messages of the walk go to stderr: stdout stays JSON
js -m hello --directive 'STRIP=no'
check "--directive: 'DIRECTIVE:' lines go to stderr" grep -q '^DIRECTIVE: STRIP="no"' "$T/js.err"
check "--directive: stdout is still valid JSON" python3 -m json.tool "$T/js.out"

# names that need escaping: quote, backslash, tab, a byte that is not UTF-8
odd=$'we"ird\\na\tme\xff'
mkdir -p "$T/tree/$odd/1.0" "$T/oddsrc"
ln -s "$T/oddsrc" "$T/tree/$odd/1.0/source"
js -m "$odd"
check "odd name: valid JSON" python3 -m json.tool "$T/js.out"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
want = "we\"ird\\na\tme\ufffd"
assert len(d) == 1 and d[0]["module"] == want and d[0]["state"] == "added", d
' "$T/js.out" >"$T/.py" 2>&1 && ok "odd name: escaped, the non-UTF-8 byte as U+FFFD" ||
	{ not_ok "odd name: escaped, the non-UTF-8 byte as U+FFFD"; cat "$T/.py" "$T/js.out" | diag; }
check "odd name: whole tree valid JSON" bash -c "'${DKMS_CMD[*]}' --dkmstree '$T/tree' --sourcetree '$T/src' --installtree '$T/inst' status --json | python3 -m json.tool"

finish
