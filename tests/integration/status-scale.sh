#!/bin/bash
# `dkms status` over a fake tree of NMOD modules x NKER kernels (default
# 20 x 10), once with plain dkms.conf files and once with dkms.conf files
# that need bash (`if`, `$(...)`): every line is exact (states, order,
# suffixes: originals, missing, differences, compressed modules,
# BUILD_EXCLUSIVE), and under strace no child process is started per line:
# at most one bash per module/version for the bash confs, none for the
# plain ones. A fake tree needs no real build: source link, module files
# under <k>/<arch>/module, kernel-<k>-<arch> links, a dkms.conf.
# When dkms 3.4.3's source is at /tmp/ref, a small tree is also compared
# with it. Needs strace (skips those checks without it).
. "$(dirname "$0")/../lib.sh"

NMOD=${STATUS_SCALE_MODULES:-20}
NKER=${STATUS_SCALE_KERNELS:-10}
REF=${DKMS_REF:-/tmp/ref/dkms} # dkms 3.4.3 (README, Tests: how to get it)
ARCH=x86_64

echo "1..12"

mkdir -p "$T/etc"
printf 'ID=debian\n' >"$T/os-release"
export DKMS_ETC_DIR=$T/etc DKMS_OS_RELEASE=$T/os-release

# mkfake DIR KIND NMOD NKER: the tree under DIR/{src,tree,inst}; the status
# lines dkms prints for it go to DIR/expected. KIND plain or bash: the same
# records either way (module names carry the kernel, record 1 is only for
# kernels 40-44), as plain assignments with BUILD_EXCLUSIVE or computed by bash.
mkfake() {
	local d=$1 kind=$2 nmod=$3 nker=$4 i j k m s b x line state name
	local -a kernels names
	mkdir -p "$d"/{src,tree,inst}
	for ((j = 0; j < nker; j++)); do
		k=6.1.0-$((40 + j))-amd64
		kernels+=("$k")
		mkdir -p "$d/inst/$k/kernel/drivers"
		# every third kernel ships xz-compressed modules
		if ((j % 3 == 0)); then x=.ko.xz; else x=.ko; fi
		: >"$d/inst/$k/kernel/drivers/other$x"
	done
	: >"$d/expected"
	for ((i = 0; i < nmod; i++)); do
		m=$(printf 'mod_%02d' "$i")
		s=$d/src/$m-1.0
		mkdir -p "$s" "$d/tree/$m/1.0"
		ln -s "$s" "$d/tree/$m/1.0/source"
		if [[ $kind == plain ]]; then
			cat >"$s/dkms.conf" <<-EOF
			PACKAGE_NAME="$m"
			PACKAGE_VERSION="1.0"
			BUILT_MODULE_NAME[0]="$m"
			DEST_MODULE_NAME[0]="${m}_\$kernelver"
			DEST_MODULE_LOCATION[0]="/updates"
			BUILT_MODULE_NAME[1]="${m}_extra"
			DEST_MODULE_NAME[1]="${m}_x"
			DEST_MODULE_LOCATION[1]="/updates"
			BUILD_EXCLUSIVE_KERNEL[1]="^6\.1\.0-4[0-4]-"
			EOF
		else
			cat >"$s/dkms.conf" <<-EOF
			PACKAGE_NAME="$m"
			PACKAGE_VERSION="1.0"
			BUILT_MODULE_NAME[0]="$m"
			DEST_MODULE_NAME[0]="${m}_\$(echo "\$kernelver")"
			DEST_MODULE_LOCATION[0]="/updates"
			abi=\${kernelver#6.1.0-}
			if (( \${abi%%-*} < 45 )); then
				BUILT_MODULE_NAME[1]="${m}_extra"
				DEST_MODULE_NAME[1]="${m}_x"
				DEST_MODULE_LOCATION[1]="/updates"
			fi
			EOF
		fi
		for ((j = 0; j < nker; j++)); do
			k=${kernels[j]}
			b=$d/tree/$m/1.0/$k/$ARCH/module
			mkdir -p "$b"
			if ((j % 3 == 0)); then x=.ko.xz; else x=.ko; fi
			# 0 built, 1 installed, 2 installed but different, 3 built, a module missing
			state=$(((i + j) % 4))
			line="$m/1.0, $k, $ARCH: "
			names=("${m}_$k")
			((40 + j < 45)) && names+=("${m}_x")
			for name in "${names[@]}"; do
				[[ $state == 3 && $name == "${m}_$k" ]] && continue
				echo "$m $k $name" >"$b/$name$x"
			done
			if ((state == 1 || state == 2)); then
				ln -s "1.0/$k/$ARCH" "$d/tree/$m/kernel-$k-$ARCH"
				# not ELF: dkms finds no "own" location and looks in <installtree>/<k>
				for name in "${names[@]}"; do
					cp "$b/$name$x" "$d/inst/$k/$name$x"
				done
				((state == 2)) && echo changed >>"$d/inst/$k/${names[0]}$x"
				line+=installed
			else
				line+=built
			fi
			if ((i % 5 == 0)); then
				mkdir -p "$d/tree/$m/original_module/$k/$ARCH"
				line+=" (Original modules exist)"
			fi
			((state == 3)) && line+=" (Built modules are missing in the kernel modules folder)"
			((state == 2)) && line+=" (Differences between built and installed modules)"
			echo "$line" >>"$d/expected"
		done
	done
	# an added module and a broken one (dangling source link) after them
	mkdir -p "$d/src/zz_added-1.0" "$d/tree/zz_added/1.0" "$d/tree/zz_broken/1.0"
	cp "$d/src/mod_00-1.0/dkms.conf" "$d/src/zz_added-1.0/"
	ln -s "$d/src/zz_added-1.0" "$d/tree/zz_added/1.0/source"
	ln -s "$d/src/zz_broken-1.0" "$d/tree/zz_broken/1.0/source"
	printf '%s\n' "zz_added/1.0: added" "zz_broken/1.0: broken" >>"$d/expected"
}

dk() {
	local d=$1
	shift
	"$DKMS_BIN" --dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/inst" "$@"
}

broken_err="
Error! zz_broken/1.0: Missing the module source directory or the symbolic link pointing to it.
Manual intervention is required!"

HAVE_STRACE=$(command -v strace)
# LeakSanitizer cannot run under ptrace (and starts a tracer of its own)
traced() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq "$@"; }
# count_children LOG: "<execve> <spawns>": programs executed besides dkms
# itself, and processes dkms's own process started
count_children() {
	local main
	main=$(awk 'NR == 1 { print $1 }' "$1")
	echo "$(($(grep -c 'execve("' "$1") - 1)) $(awk -v p="$main" '$1 == p && /(clone3?|v?fork)\(/' "$1" | wc -l)"
}

for kind in plain bash; do
	d=$T/$kind
	mkfake "$d" "$kind" "$NMOD" "$NKER"
	nmv=$NMOD # module/versions with built lines
	dk "$d" status >"$d/out" 2>"$d/err"
	rc=$?
	expect_same "$kind: status lines ($((NMOD * NKER)) built/installed, added, broken)" "$d/expected" "$d/out"
	printf '%s\n' "$broken_err" >"$d/err.expected"
	expect_same "$kind: status stderr only the broken module's error" "$d/err.expected" "$d/err"
	if [[ $rc == 0 ]]; then ok "$kind: status exit 0"; else not_ok "$kind: status exit $rc"; fi

	if [[ -z $HAVE_STRACE ]]; then
		skip "$kind: children under strace" "strace not installed"
		skip "$kind: no dkms.conf read for added/broken" "strace not installed"
		continue
	fi
	traced -o "$d/strace" -e trace=execve,clone,clone3,fork,vfork \
		"$DKMS_BIN" --dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/inst" status \
		>"$d/out.strace" 2>/dev/null
	read -r execs spawns < <(count_children "$d/strace")
	if [[ $kind == plain ]]; then max=0; else max=$nmv; fi
	if cmp -s "$d/expected" "$d/out.strace" && ((execs <= max && spawns <= max)); then
		ok "$kind: $((NMOD * NKER)) lines, $execs programs run, $spawns children of dkms (at most $max)"
	else
		not_ok "$kind: $execs programs run, $spawns children of dkms (at most $max)"
		grep 'execve("' "$d/strace" | tail -n +2 | cut -c1-200 | head -5 | diag
	fi
	# status of the added and broken ones only: their dkms.conf is never opened
	traced -o "$d/strace.open" -e trace=open,openat \
		"$DKMS_BIN" --dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/inst" status -m zz_added \
		>"$d/out.added" 2>&1
	if grep -q 'dkms\.conf' "$d/strace.open" || [[ $(cat "$d/out.added") != "zz_added/1.0: added" ]]; then
		not_ok "$kind: status -m zz_added reads no dkms.conf"
		diag <"$d/out.added"
	else
		ok "$kind: status -m zz_added reads no dkms.conf"
	fi
done

# the same as dkms 3.4.3 on a small tree, stdout and stderr
for kind in plain bash; do
	if [[ ! -f $REF ]]; then
		skip "$kind: same as dkms 3.4.3" "no dkms 3.4.3 at $REF (set DKMS_REF, see README Tests)"
		continue
	fi
	d=$T/small-$kind
	mkfake "$d" "$kind" 3 4
	dk "$d" status >"$d/ours" 2>"$d/ours.err"
	bash "$REF" --dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/inst" status \
		>"$d/ref" 2>"$d/ref.err"
	cat "$d/ours" "$d/ours.err" >"$d/ours.all"
	cat "$d/ref" "$d/ref.err" >"$d/ref.all"
	expect_same "$kind: same as dkms 3.4.3 (3 x 4 tree)" "$d/ref.all" "$d/ours.all"
done
