#!/bin/bash
# --debug. dkms 3.4.3 runs its bash script under set -x (PS4 naming the
# script, line and function); this program has no script to trace and shows
# instead every command it runs, shell-quoted, on stderr as "+ ...": a real
# build of tests/fixtures/cli/hello-1.0 shows the exact make command line
# (and the strip), and the same install without --debug shows none.
. "$(dirname "$0")/../lib.sh"

K=$(headers_kernel)
REF=${DKMS_REF:-/work/dkms-src/dkms}
if [[ -z $K ]]; then skip "--debug" "no kernel headers installed"; exit 0; fi
printf 'ID=debian\n' >"$T/os-release"
run() { # NAME ARGS...: install hello/1.0 in $T/NAME; stderr in $T/NAME.err
	local d=$T/$1
	shift
	mkdir -p "$d"/{src,tree,inst/"$K"}
	ln -s "/usr/src/linux-headers-$K" "$d/inst/$K/build"
	cp -a "$TOP/tests/fixtures/cli/hello-1.0" "$d/src/"
	DKMS_OS_RELEASE=$T/os-release DKMS_ETC_DIR=$T try_sign_modules=false parallel_jobs=1 \
		"$DKMS_BIN" "$@" install hello/1.0 -k "$K" --dkmstree "$d/tree" --sourcetree "$d/src" \
		--installtree "$d/inst" >"$d.out" 2>"$d.err"
	echo $? >"$d.rc"
}
run traced --debug
run plain
check "--debug: the install succeeds" grep -qx 0 "$T/traced.rc"
# the environment the build got (kernelver, arch, the headers' toolchain) is
# traced as NAME=value words before the command: compared without them
sed -E 's/&& ([A-Za-z_][A-Za-z0-9_]*=[^ ]* )+/\&\& /' "$T/traced.err" >"$T/traced.noenv"
check "--debug: the make command line, as run" grep -qxF \
	"+ cd $T/traced/tree/hello/1.0/build && bash -c 'make -j1 KERNELRELEASE=$K -C $T/traced/inst/$K/build M=$T/traced/tree/hello/1.0/build'" \
	"$T/traced.noenv"
check "--debug: the build's environment is shown (kernelver, arch)" grep -qE \
	"^\+ cd $T/traced/tree/hello/1.0/build && kernelver=$K arch=[^ ]+ .*bash -c 'make " "$T/traced.err"
check "--debug: the strip" grep -qxF "+ strip -g $T/traced/tree/hello/1.0/build/hello.ko" "$T/traced.err"
check "without --debug: no trace" sh -c "! grep -q '^+ ' '$T/plain.err'"
expect_same "--debug changes nothing on stdout but the trace" \
	<(sed "s|$T/plain|@|g" "$T/plain.out") <(sed "s|$T/traced|@|g" "$T/traced.out")
if [[ -f $REF ]]; then
	mkdir -p "$T/ref"
	bash "$REF" --debug status --dkmstree "$T/ref" >/dev/null 2>"$T/ref.err"
	check "dkms 3.4.3's --debug is bash's set -x of its own script" grep -qE "^$REF@[0-9]+\(\): " "$T/ref.err"
fi
