#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# mkdriverdisk timings (`make bench` runs it after run.sh; not a test: it
# prints tables and fails only when a disk cannot be made).
#
# (c) mkdriverdisk for megaraid_sas with the modules already built, on 1 and
#     on 4 kernels, for every distro x every medium it supports: the median
#     of BENCH_DD_RUNS (default 3) runs each. The 4 kernels are the one with
#     headers and three copies of its headers that only rename the release
#     (6.1.0-91..93-amd64): each is a genuine build with its own vermagic.
# (d) ISO writing alone, in-process (mkdisk's writer, the one mkdriverdisk
#     uses) against `xorriso -as mkisofs -R -J -V OEMDRV` on the same tree
#     (the 4-kernel redhat disk, unpacked), and the ratio.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/integration/dud-lib.bash"
RUNS=${BENCH_DD_RUNS:-3}
ISO_RUNS=${BENCH_ISO_RUNS:-9}

die() { echo "bench: $*" >&2; exit 1; }
[[ -n $K ]] || die "no kernel headers installed"
[[ -x $DKMS_BIN ]] || die "$DKMS_BIN not built"
command -v xorriso >/dev/null || die "xorriso not installed"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

dud_setup
KERNELS=("$K")
for n in 91 92 93; do
	second_kernel "6.1.0-$n-amd64"
	KERNELS+=("6.1.0-$n-amd64")
done

src=$("$TOP/examples/get-driver-source.sh" megaraid_sas) || die "no megaraid_sas source"
v=${src##*/megaraid_sas-}
dk add "$src"
((rc == 0)) || die "add failed: $(cat "$T/err")"
t0=$(now)
for k in "${KERNELS[@]}"; do
	dk build -k "$k" "megaraid_sas/$v"
	((rc == 0)) || die "build for $k failed: $(tail "$T/err")"
done
build_secs=$(echo "$(now) - $t0" | bc -l)

echo "mkdriverdisk benchmarks: $DKMS_BIN; megaraid_sas $v built for ${#KERNELS[@]} kernels in $(printf '%.0f' "$build_secs") s"
echo "kernels: ${KERNELS[*]}; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# time_disk NKERNELS DISTRO MEDIUM: median seconds of RUNS mkdriverdisk runs.
time_disk() {
	local n=$1 distro=$2 medium=$3 ks=() rel=() size=() t0 t1 r
	for ((i = 0; i < n; i++)); do ks+=(-k "${KERNELS[i]}"); done
	case $distro in suse) rel=(-r sles15) ;; ubuntu) rel=(-r jammy) ;; esac
	[[ $medium == floppy ]] && size=(--size 8192)
	: >"$T/t"
	for ((r = 0; r < RUNS; r++)); do
		t0=$(now)
		dk mkdriverdisk "megaraid_sas/$v" "${ks[@]}" -d "$distro" "${rel[@]}" --media "$medium" "${size[@]}" \
			--archive "$T/img/$distro-$n.$medium"
		if ((rc != 0)); then
			{ echo "mkdriverdisk -d $distro --media $medium on $n kernels: exit $rc"; tail -n 3 "$T/err"; } >>"$T/failures"
			echo failed
			return
		fi
		t1=$(now)
		echo "$t1 - $t0" | bc -l >>"$T/t"
	done
	median <"$T/t"
}

# the media of each distro, as the formats declare them (refused ones are skipped)
printf '%-12s %-9s %10s %10s %10s\n' "distro" "medium" "1 kernel" "4 kernels" "size (4)"
for distro in redhat redhat1 redhat2 suse ubuntu initramfs; do
	for medium in iso floppy tar cpio squashfs; do
		# a bad --compress stops after the distro and medium checks: nothing is made
		dk mkdriverdisk "megaraid_sas/$v" -k "$K" -d "$distro" -r sles15 --media "$medium" --compress probe
		grep -q 'cannot be written as\|Unknown driver disk distro' "$T/err" && continue
		one=$(time_disk 1 "$distro" "$medium")
		four=$(time_disk 4 "$distro" "$medium")
		[[ $one != failed ]] && one=$(printf '%.3fs' "$one")
		[[ $four != failed ]] && four=$(printf '%.3fs' "$four")
		printf '%-12s %-9s %10s %10s %9s\n' "$distro" "$medium" "$one" "$four" \
			"$(du -k --apparent-size "$T/img/$distro-4.$medium" 2>/dev/null | cut -f1)K"
	done
done
if [[ -s $T/failures ]]; then
	echo "disks that could not be made:"
	sed 's/^/  /' "$T/failures"
fi
echo

# ---- (d) ISO writing: in-process against xorriso -------------------------------
dk mkdriverdisk "megaraid_sas/$v" -k "${KERNELS[0]}" -k "${KERNELS[1]}" -k "${KERNELS[2]}" -k "${KERNELS[3]}" \
	-d redhat --media iso --archive "$T/img/tree.iso"
((rc == 0)) || die "redhat iso failed: $(cat "$T/err")"
rm -rf "$T/tree4" && mkdir -p "$T/tree4"
xorriso -osirrox on -indev "$T/img/tree.iso" -extract / "$T/tree4" >/dev/null 2>&1 || die "xorriso extract failed"
B=${B:-build}
cc -std=gnu11 -O2 -D_GNU_SOURCE -I"$TOP" -I"$TOP/dkms-core" -o "$T/iso-write" "$TOP/tests/bench/iso-write.c" \
	"$TOP/$B/libdkms.a" $(pkg-config --libs libkmod libarchive blkid zlib liblzma libzstd) ||
	die "cannot build tests/bench/iso-write.c against $B/libdkms.a"
"$T/iso-write" "$T/tree4" "$T/ours.iso" "$ISO_RUNS" >"$T/iso.ours" || die "in-process ISO writer failed"
: >"$T/iso.xorriso"
for ((r = 0; r < ISO_RUNS; r++)); do
	t0=$(now)
	xorriso -as mkisofs -quiet -R -J -V OEMDRV -o "$T/xorriso.iso" "$T/tree4" 2>/dev/null || die "xorriso failed"
	echo "$(now) - $t0" | bc -l >>"$T/iso.xorriso"
done
io=$(median <"$T/iso.ours") ix=$(median <"$T/iso.xorriso")
files=$(find "$T/tree4" -type f | wc -l)
kib=$(du -sk --apparent-size "$T/tree4" | cut -f1)
printf '%-64s %10s %10s %10s\n' "ISO of the 4-kernel redhat disk ($files files, $kib KiB; median of $ISO_RUNS)" "ours" "xorriso" "xorriso/ours"
printf '%-64s %9.4fs %9.4fs %9.1fx\n' "" "$io" "$ix" "$(echo "$ix / $io" | bc -l)"
printf 'image sizes: ours %s bytes, xorriso %s bytes\n' "$(stat -c %s "$T/ours.iso")" "$(stat -c %s "$T/xorriso.iso")"
