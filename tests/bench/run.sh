#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Timings against Debian's dkms (the peer); `make bench`. Not a test: it
# prints a table and never fails on time (it fails only when the two programs
# disagree on the output being timed, or cannot run).
#
# (a) `dkms status` over one tree of 30 modules x 10 kernels, all built:
#     ours vs the peer, in the same run, and the ratio.
# (b) overhead of `dkms build` over the bare `make -C <kdir> M=<dir>` for a
#     tiny module: ours and the peer, medians of a few runs.
# (c), (d) mkdriverdisk and in-process ISO writing: tests/bench/driverdisk.sh.
#
# BENCH_RUNS (default 3) runs per measurement, median reported; BENCH_BUILD_RUNS
# (default 5) for (b). DKMS_BIN (default build/dkms), DKMS_PEER (default
# /usr/sbin/dkms). BENCH_MODULES / BENCH_KERNELS change the size of (a).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
PEER=${DKMS_PEER:-/usr/sbin/dkms}
RUNS=${BENCH_RUNS:-3}
BRUNS=${BENCH_BUILD_RUNS:-5}
NMOD=${BENCH_MODULES:-30}
NKER=${BENCH_KERNELS:-10}
TINY=$TOP/examples/dkms_tiny
K=$(headers_kernel)

die() { echo "bench: $*" >&2; exit 1; }
[[ -n $K ]] || die "no kernel headers installed"
[[ -x $PEER ]] || die "peer $PEER not installed (Debian package dkms)"
[[ -x $DKMS_BIN ]] || die "$DKMS_BIN not built"
[[ -f $TINY/dkms.conf ]] || die "$TINY missing"

now() { date +%s.%N; }
# median of the numbers on stdin
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# Debian 12 os-release and an empty etc dir for ours.
cat >"$T/os-release" <<-'EOF'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
EOF
mkdir -p "$T/etc"
export mok_signing_key=$T/mok.key mok_certificate=$T/mok.pub try_sign_modules=false \
	sign_file=$T/no-sign-file DKMS_ETC_DIR=$T/etc DKMS_OS_RELEASE=$T/os-release

# prog SIDE: the program for a side.
prog() { if [[ $1 == peer ]]; then echo "$PEER"; else echo "$DKMS_BIN"; fi; }

# dk SIDE DIR ARGS...: run a side's program on the tree under DIR.
dk() {
	local p d=$2
	p=$(prog "$1")
	shift 2
	"$p" --dkmstree "$d/tree" --sourcetree "$d/src" --installtree "$d/inst" "$@"
}

mkroot() {
	mkdir -p "$1"/{src,tree,inst/$K}
	ln -sfn "/usr/src/linux-headers-$K" "$1/inst/$K/build"
}

echo "dkms benchmarks: ours = $DKMS_BIN ($("$DKMS_BIN" --version 2>&1 | head -1)), peer = $PEER ($("$PEER" --version 2>&1 | head -1))"
echo "kernel headers $K; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# ---- the tiny module, built once for real by the peer ---------------------
seed=$T/seed
mkroot "$seed"
cp -r "$TINY" "$seed/src/dkms_tiny-1.0"
dk peer "$seed" add dkms_tiny/1.0 >"$T/seed.log" 2>&1 &&
	dk peer "$seed" build -k "$K" dkms_tiny/1.0 >>"$T/seed.log" 2>&1 ||
	{ cat "$T/seed.log" >&2; die "the peer cannot build $TINY"; }
built=$seed/tree/dkms_tiny/1.0/$K/x86_64
[[ -f $built/module/dkms_tiny.ko ]] || die "no dkms_tiny.ko after the peer's build"

# ---- (a) status over NMOD x NKER built ---------------------------------------
# Module bench_NN/1.0 (dkms.conf names match), kernels 6.1.0-NN-amd64, each
# <k>/x86_64 a copy of the peer's real build with the .ko renamed.
big=$T/big
mkroot "$big"
kernels=()
for ((j = 0; j < NKER; j++)); do
	kernels+=("6.1.0-$((40 + j))-amd64")
	mkdir -p "$big/inst/${kernels[j]}/kernel"
done
for ((i = 1; i <= NMOD; i++)); do
	m=$(printf 'bench_%02d' "$i")
	s=$big/src/$m-1.0
	mkdir -p "$s" "$big/tree/$m/1.0"
	sed -e "s/dkms_tiny/$m/g" "$TINY/dkms.conf" >"$s/dkms.conf"
	sed -e "s/dkms_tiny/$m/g" "$TINY/Makefile" >"$s/Makefile"
	cp "$TINY/dkms_tiny.c" "$s/$m.c"
	ln -s "$s" "$big/tree/$m/1.0/source"
	for k in "${kernels[@]}"; do
		d=$big/tree/$m/1.0/$k/x86_64
		mkdir -p "$d"
		cp -r "$built"/. "$d"/
		mv "$d/module/dkms_tiny.ko" "$d/module/$m.ko"
	done
done

# time_status SIDE OUT: seconds for one `status`; output to OUT.
time_status() {
	local t0 t1
	t0=$(now)
	dk "$1" "$big" status >"$2" 2>"$2.err"
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}
dk ours "$big" status >"$T/status.ours" 2>"$T/status.ours.err"
dk peer "$big" status >"$T/status.peer" 2>"$T/status.peer.err"
lines=$(wc -l <"$T/status.peer")
if ! diff -u "$T/status.peer" "$T/status.ours" >"$T/status.diff"; then
	head -40 "$T/status.diff" >&2
	die "status output differs between the peer and ours"
fi
[[ $lines == $((NMOD * NKER)) ]] ||
	die "status printed $lines lines, expected $((NMOD * NKER))"
: >"$T/sa.ours"; : >"$T/sa.peer"
for ((r = 0; r < RUNS; r++)); do
	time_status ours "$T/status.ours" >>"$T/sa.ours"
	time_status peer "$T/status.peer" >>"$T/sa.peer"
done
so=$(median <"$T/sa.ours") sp=$(median <"$T/sa.peer")

# ---- (b) build overhead over bare make -----------------------------------
# bare: a fresh copy of the source, `make -j2 -C <kdir> M=<copy>` (what dkms runs).
jobs=$(nproc)
: >"$T/b.make"; : >"$T/b.ours"; : >"$T/b.peer"
for side in ours peer; do
	mkroot "$T/b$side"
	cp -r "$TINY" "$T/b$side/src/dkms_tiny-1.0"
	dk "$side" "$T/b$side" add dkms_tiny/1.0 >/dev/null 2>&1 || die "$side: add failed"
done
for ((r = 0; r < BRUNS; r++)); do
	rm -rf "$T/bare"; cp -r "$TINY" "$T/bare"
	t0=$(now)
	make -j"$jobs" -C "/lib/modules/$K/build" M="$T/bare" >"$T/bare.log" 2>&1 ||
		{ cat "$T/bare.log" >&2; die "bare make failed"; }
	t1=$(now)
	echo "$t1 - $t0" | bc -l >>"$T/b.make"
	for side in ours peer; do
		rm -rf "$T/b$side/tree/dkms_tiny/1.0/$K" "$T/b$side/tree/dkms_tiny/1.0/build"
		t0=$(now)
		dk "$side" "$T/b$side" build -j "$jobs" -k "$K" dkms_tiny/1.0 >"$T/b$side.log" 2>&1 ||
			{ cat "$T/b$side.log" >&2; die "$side: build failed"; }
		t1=$(now)
		echo "$t1 - $t0" | bc -l >>"$T/b.$side"
	done
done
bm=$(median <"$T/b.make") bo=$(median <"$T/b.ours") bp=$(median <"$T/b.peer")
# where ours spends its overhead: the steps dkms 3.4.3 also takes around the
# make, timed alone (medians): the `bash -c` the make line runs in (MAKE[0] is
# a shell command), the `strip -g` of the built module (STRIP[0]), and dkms
# itself without a compiler (`dkms status` on the same tree: reading the
# configuration, kernel facts and the tree).
: >"$T/o.bash"; : >"$T/o.strip"; : >"$T/o.self"
ko=$(find "$T/bours/tree/dkms_tiny/1.0/$K" -name 'dkms_tiny.ko*' | head -n 1)
for ((r = 0; r < BRUNS; r++)); do
	t0=$(now); bash -c true; t1=$(now); echo "$t1 - $t0" | bc -l >>"$T/o.bash"
	cp "$ko" "$T/strip.ko"
	t0=$(now); strip -g "$T/strip.ko"; t1=$(now); echo "$t1 - $t0" | bc -l >>"$T/o.strip"
	t0=$(now); dk ours "$T/bours" status >/dev/null 2>&1; t1=$(now); echo "$t1 - $t0" | bc -l >>"$T/o.self"
done
ob=$(median <"$T/o.bash") os=$(median <"$T/o.strip") oself=$(median <"$T/o.self")

# ---- table ------------------------------------------------------------------
pct() { echo "($1 - $2) * 100 / $2" | bc -l; }
printf '%-64s %10s %10s %10s\n' "measurement (median of runs)" "ours" "peer" "peer/ours"
printf '%-64s %9.3fs %9.3fs %9.1fx\n' \
	"(a) status, $NMOD modules x $NKER kernels built ($lines lines, $RUNS runs)" \
	"$so" "$sp" "$(echo "$sp / $so" | bc -l)"
printf '%-64s %9.3fs\n' "(b) bare make -C <kdir> M=<dir>, tiny module ($BRUNS runs)" "$bm"
printf '%-64s %9.3fs %9.3fs\n' "    dkms build, same module" "$bo" "$bp"
printf '%-64s %9.1f%% %9.1f%%\n' "    dkms build overhead over bare make" "$(pct "$bo" "$bm")" "$(pct "$bp" "$bm")"
printf '%-64s %9.3fs\n' "    overhead, ours: build minus bare make" "$(echo "$bo - $bm" | bc -l)"
printf '%-64s %9.3fs\n' "      of which the bash -c around the make line (MAKE[0])" "$ob"
printf '%-64s %9.3fs\n' "      of which strip -g of the module (STRIP[0], as dkms 3.4.3)" "$os"
printf '%-64s %9.3fs\n' "      of which dkms itself (a status of the same tree)" "$oself"
echo
echo "status output identical for both programs ($lines lines, e.g. \"$(head -1 "$T/status.ours")\"); all runs (s):"
for f in sa.ours sa.peer b.make b.ours b.peer o.bash o.strip o.self; do
	printf '  %-8s %s\n' "$f" "$(tr '\n' ' ' <"$T/$f")"
done

# ---- (c), (d): driver disks (tests/bench/driverdisk.sh) ---------------------
echo
"$TOP/tests/bench/driverdisk.sh" || die "the driver disk benchmark failed"

# ---- REMAKE_INITRD: fragment mode against regeneration (tests/bench/initrd.sh) ----
echo
"$TOP/tests/bench/initrd.sh" || die "the REMAKE_INITRD benchmark failed"
