#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# REMAKE_INITRD for megaraid_sas on one kernel, timed: fragment mode against
# regeneration by initramfs-tools (mkinitramfs, what update-initramfs runs)
# and by dracut, same kernel, same run (`make bench`, after run.sh). Not a
# test: it prints a table and fails only when something cannot run or an
# image is wrong (the fragment images are booted: the kernel must find the
# disk through the dkms module; uninstall must give back the original bytes).
#
# Images: Debian's own /boot/initrd.img-K (made by initramfs-tools when
# linux-image-K was installed, MODULES=most) and one dracut makes here with
# the distribution's configuration; generators and trees as in
# tests/boot/remake-lib.bash (private copies, nothing of the host changes).
# What is timed is dkms's initrd step: from the end of "Running depmod" to the
# end of the initrd line, as `dkms install` prints them (median of
# BENCH_INITRD_RUNS, default 3, for the fragment; BENCH_REGEN_RUNS, default 1,
# for each regeneration). The whole `dkms install` is shown beside it. The
# first fragment run reads and decodes the image and leaves a summary of it
# in the tree (initrd/remake-cache.c); the later ones use it and change the
# image in place (initrd/fragment-inplace.h): the first run is shown apart.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib.sh"
. "$TOP/tests/boot/boot-lib.bash"
. "$TOP/tests/boot/remake-lib.bash"
RUNS=${BENCH_INITRD_RUNS:-3}
REGEN_RUNS=${BENCH_REGEN_RUNS:-1}

die() { echo "bench initrd: $*" >&2; exit 1; }
[[ -x $DKMS_BIN ]] || die "$DKMS_BIN not built"
if ! remake_can_run >"$T/why"; then
	echo "REMAKE_INITRD benchmark skipped: $(cat "$T/why")"
	exit 0
fi
remake_setup default
mkdir -p "$T/etc-none" && : >"$T/etc-none/framework.conf"
median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# timed G ARGS...: dkms with each stdout line time-stamped into $T/ts; sets $rc,
# $step (end of depmod line to end of the initrd line) and $total.
timed() {
	local g=$1 t0 t1
	shift
	t0=$(date +%s.%N)
	DKMS_ETC_DIR=$T/etc-$g "$DKMS_BIN" --dkmstree "$T/tree" --sourcetree "$T/src" --installtree "$R/lib/modules" \
		"$@" 2>"$T/err" | perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%.4f %s", time, $_' >"$T/ts"
	rc=${PIPESTATUS[0]}
	t1=$(date +%s.%N)
	total=$(echo "$t1 - $t0" | bc -l)
	step=$(awk '/ Running depmod\.\.\. done\.$/ { d = $1 }
		/ (Appending|Regenerating|Restoring) .*done\.$/ { print $1 - d; exit }' "$T/ts")
	((rc == 0)) && [[ -n $step ]] || { cat "$T/ts" "$T/err" >&2; die "dkms $* failed (exit $rc)"; }
}

echo "REMAKE_INITRD benchmark: megaraid_sas/$V on $K; $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
rdk itools build -k "$K" "megaraid_sas/$V" || true
[[ $rc == 0 ]] || { cat "$T/out" "$T/err" >&2; die "cannot build megaraid_sas"; }

cp "/boot/initrd.img-$K" "$T/base-itools.img"
t0=$(date +%s.%N)
remake_generate dracut "$T/base-dracut.img" >"$T/dracut.log" 2>&1 || { cat "$T/dracut.log" >&2; die "dracut failed"; }
gen_dracut=$(echo "$(date +%s.%N) - $t0" | bc -l)
t0=$(date +%s.%N)
remake_generate itools "$T/itools.img" >"$T/itools.log" 2>&1 || { cat "$T/itools.log" >&2; die "mkinitramfs failed"; }
gen_itools=$(echo "$(date +%s.%N) - $t0" | bc -l)

declare -A frag frag_total frag_first unfrag regen regen_total booted
for g in itools dracut; do
	IMG=$T/boot-$g/initrd.img-$K
	: >"$T/f.step"; : >"$T/f.total"; : >"$T/u.step"
	cp "$T/base-$g.img" "$IMG"
	for ((i = 0; i < RUNS; i++)); do
		timed "$g" install --force -k "$K" "megaraid_sas/$V" --initrd-mode=fragment
		echo "$step" >>"$T/f.step"; echo "$total" >>"$T/f.total"
		if ((i == RUNS - 1)); then
			remake_boot "$IMG" "$T/boot-$g.log" && remake_boot_ours "$T/boot-$g.log" ||
				{ tr -d '\r' <"$T/boot-$g.log" | tail -20 >&2; die "the $g image with the fragment does not find the disk"; }
			booted[$g]="${BOOT_TIME}s"
		fi
		timed "$g" uninstall -k "$K" "megaraid_sas/$V" --initrd-mode=fragment
		echo "$step" >>"$T/u.step"
		cmp -s "$T/base-$g.img" "$IMG" || die "$g: uninstall did not give back the original bytes"
	done
	frag[$g]=$(median <"$T/f.step") frag_total[$g]=$(median <"$T/f.total") unfrag[$g]=$(median <"$T/u.step")
	frag_first[$g]=$(head -n 1 "$T/f.step")
	: >"$T/r.step"; : >"$T/r.total"
	for ((i = 0; i < REGEN_RUNS; i++)); do
		cp "$T/base-$g.img" "$IMG"
		timed "$g" install --force -k "$K" "megaraid_sas/$V" --initrd-mode=regenerate
		echo "$step" >>"$T/r.step"; echo "$total" >>"$T/r.total"
		# back to the base image without a second regeneration: no initrd handling
		rdk none uninstall -k "$K" "megaraid_sas/$V"
	done
	regen[$g]=$(median <"$T/r.step") regen_total[$g]=$(median <"$T/r.total")
done

printf '\n%-58s %14s %14s\n' "initrd step of dkms install (s; whole install in ())" "initramfs-tools" "dracut"
printf '%-58s %6.2f (%5.1f) %6.2f (%5.1f)\n' "fragment mode, median of $RUNS" \
	"${frag[itools]}" "${frag_total[itools]}" "${frag[dracut]}" "${frag_total[dracut]}"
printf '%-58s %6.2f (%5.1f) %6.2f (%5.1f)\n' "regeneration by that image's generator, median of $REGEN_RUNS" \
	"${regen[itools]}" "${regen_total[itools]}" "${regen[dracut]}" "${regen_total[dracut]}"
printf '%-58s %13.1fx %13.1fx\n' "regeneration / fragment" \
	"$(echo "${regen[itools]} / ${frag[itools]}" | bc -l)" "$(echo "${regen[dracut]} / ${frag[dracut]}" | bc -l)"
printf '%-58s %6.2f         %6.2f\n' "... the first run (no summary yet: the image read, decoded)" \
	"${frag_first[itools]}" "${frag_first[dracut]}"
printf '%-58s %6.2f         %6.2f\n' "fragment taken off by uninstall (original bytes back), median" \
	"${unfrag[itools]}" "${unfrag[dracut]}"
printf '%-58s %14s %14s\n' "fragment image booted, disk found by the dkms module" "${booted[itools]}" "${booted[dracut]}"
printf '%-58s %14.1f %14.1f\n' "the bare generator for this kernel (s)" "$gen_itools" "$gen_dracut"
echo "images: $(stat -c %s "$T/base-itools.img") bytes (Debian's, MODULES=most), $(stat -c %s "$T/base-dracut.img") bytes (dracut, distribution config)"
echo
printf 'fragment vs mkinitramfs (initramfs-tools image): %.2f s against %.1f s: %.0fx faster; the image with the fragment booted (%s)\n' \
	"${frag[itools]}" "${regen[itools]}" "$(echo "${regen[itools]} / ${frag[itools]}" | bc -l)" "${booted[itools]}"
printf 'fragment vs dracut (dracut image):               %.2f s against %.1f s: %.0fx faster; the image with the fragment booted (%s)\n' \
	"${frag[dracut]}" "${regen[dracut]}" "$(echo "${regen[dracut]} / ${frag[dracut]}" | bc -l)" "${booted[dracut]}"
