#!/bin/bash
# The six hook scripts: POST_ADD, PRE_INSTALL, POST_INSTALL, POST_REMOVE on the
# console, PRE_BUILD and POST_BUILD in make.log; the $DKMS_ETC_DIR/<m>/<script>
# override; a failing PRE_INSTALL (exit 101, --force); a hook that is not
# executable; noisy hooks interleaving stdout and stderr.
. "$(dirname "$0")/cli-lib.bash"

fx hooked-1.0
fx noisy-1.0
dk add add "$T/fx/hooked-1.0"
dk install install -k "$K" hooked/1.0
logcheck install-make-log "$T/tree/hooked/1.0/$K/$ARCH/log/make.log"
dk uninstall uninstall -k "$K" hooked/1.0
dk unbuild unbuild -k "$K" hooked/1.0
# override scripts from the etc dir
mkdir -p "$T/etc/hooked"
printf '#!/bin/sh\necho "override $*"\n' >"$T/etc/hooked/hook.sh"
chmod +x "$T/etc/hooked/hook.sh"
dk install-override install -k "$K" hooked/1.0
logcheck install-override-make-log "$T/tree/hooked/1.0/$K/$ARCH/log/make.log"
dk remove-override remove hooked/1.0 --all
rm -rf "$T/etc/hooked"
# failing PRE_INSTALL, set by an override conf
echo 'PRE_INSTALL="fail.sh pre_install"' >"$T/etc/hooked.conf"
dk add-failing add hooked/1.0
dk install-failing install -k "$K" hooked/1.0
dk install-failing-force install -k "$K" hooked/1.0 --force
dk uninstall-failing uninstall -k "$K" hooked/1.0
# a hook that is not executable
echo 'POST_INSTALL="noexec.sh post_install"' >"$T/etc/hooked.conf"
dk install-noexec install -k "$K" hooked/1.0
rm "$T/etc/hooked.conf"
dk remove remove hooked/1.0 --all
# noisy
dk add-noisy add "$T/fx/noisy-1.0"
dk install-noisy install -k "$K" noisy/1.0
logcheck install-noisy-make-log "$T/tree/noisy/1.0/$K/$ARCH/log/make.log"
dk unbuild-noisy unbuild -k "$K" noisy/1.0
dk remove-noisy remove noisy/1.0 --all
finish
