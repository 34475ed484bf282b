#!/bin/bash
# PATCH / PATCH_MATCH: patches applied in order (one in a subdirectory, one
# skipped by PATCH_MATCH), $DKMS_ETC_DIR/<m>/patches override, a missing
# patch and paths with ../ (exit 5), a patch that does not apply (exit 6).
. "$(dirname "$0")/cli-lib.bash"

for f in patched-1.0 patch_missing-1.0 patch_badpath1-1.0 patch_badpath2-1.0 patch_nomatch-1.0; do fx $f; done
dk add add "$T/fx/patched-1.0"
dk install install -k "$K" patched/1.0
logcheck install-make-log "$T/tree/patched/1.0/$K/$ARCH/log/make.log"
run modinfo sh -c "modinfo -F description '$T/inst/$K/updates/dkms/patched.ko'; modinfo -F version '$T/inst/$K/updates/dkms/patched.ko'"
dk unbuild unbuild -k "$K" patched/1.0
cp -a "$FIX/etc-patched/patched" "$T/etc/patched"
dk install-override install -k "$K" patched/1.0
logcheck install-override-make-log "$T/tree/patched/1.0/$K/$ARCH/log/make.log"
run modinfo-override modinfo -F description "$T/inst/$K/updates/dkms/patched.ko"
rm -rf "$T/etc/patched"
dk remove remove patched/1.0 --all
dk add-missing add "$T/fx/patch_missing-1.0"
dk build-missing build -k "$K" patch_missing/1.0
dk remove-missing remove patch_missing/1.0 --all
dk add-badpath1 add "$T/fx/patch_badpath1-1.0"
dk build-badpath1 build -k "$K" patch_badpath1/1.0
dk remove-badpath1 remove patch_badpath1/1.0 --all
dk add-badpath2 add "$T/fx/patch_badpath2-1.0"
dk build-badpath2 build -k "$K" patch_badpath2/1.0
dk remove-badpath2 remove patch_badpath2/1.0 --all
dk add-nomatch add "$T/fx/patch_nomatch-1.0"
dk build-nomatch build -k "$K" patch_nomatch/1.0
logcheck build-nomatch-make-log "$T/tree/patch_nomatch/1.0/build/make.log"
dk remove-nomatch remove patch_nomatch/1.0 --all
finish
