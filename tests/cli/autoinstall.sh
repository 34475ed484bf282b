#!/bin/bash
# autoinstall, kernel_postinst, kernel_preinst, kernel_prerm, match
# --templatekernel, /etc/dkms/no-autoinstall, AUTOINSTALL="", a failing
# build (exit 10, make.log kept) and failures inside autoinstall (exit 11),
# post_transaction after autoinstall.
. "$(dirname "$0")/cli-lib.bash"

fx hello-1.0
fx noauto-1.0
fx broken_build-1.0
dk autoinstall-nothing autoinstall -k "$K"
dk kernel-postinst-nothing kernel_postinst -k "$K"
dk kernel-prerm-nothing kernel_prerm -k "$K"
dk autoinstall-no-headers autoinstall -k 6.1.0-0-noheaders
touch "$T/etc/no-autoinstall"
dk autoinstall-disabled-nothing autoinstall -k "$K"
dk add-hello add "$T/fx/hello-1.0"
dk autoinstall-disabled autoinstall -k "$K"
dk kernel-postinst-disabled kernel_postinst -k "$K"
rm "$T/etc/no-autoinstall"
dk autoinstall-all autoinstall --all
dk autoinstall-two-kernels autoinstall -k "$K" -k "$K"
dk autoinstall autoinstall -k "$K"
dk autoinstall-again autoinstall -k "$K"
dk kernel-prerm-no-kernel kernel_prerm
dk kernel-prerm kernel_prerm -k "$K"
dk kernel-prerm-again kernel_prerm -k "$K"
dk kernel-postinst-no-kernel kernel_postinst
dk kernel-postinst kernel_postinst -k "$K"
dk kernel-preinst kernel_preinst -k "$K"
dk build-hello build -k "$K" hello/1.0
dk kernel-prerm-built kernel_prerm -k "$K"
# post_transaction after autoinstall (dkms 3.4.3 never runs it there)
export post_transaction="echo post-transaction for \$kernelver"
DIVERGE="3.4.3 skips post_transaction after autoinstall" dk autoinstall-post-transaction autoinstall -k "$K"
DIVERGE="3.4.3 skips post_transaction after autoinstall" logcheck autoinstall-post-transaction-log "$T/tree/post_transaction.log"
unset post_transaction
# (the log would stay; later records were made without it)
rm -f "$T/tree/post_transaction.log"
# match: everything installed on the template kernel goes to the other one
add_kernel "$K2"
dk match match --templatekernel "$K" -k "$K2"
dk match-module match --templatekernel "$K" -k "$K2" hello
dk match-empty-template match --templatekernel 6.1.0-0-empty -k "$K2" hello
dk remove-hello remove hello/1.0 --all
# AUTOINSTALL=""
dk add-noauto add "$T/fx/noauto-1.0"
dk autoinstall-noauto autoinstall -k "$K"
dk kernel-postinst-noauto kernel_postinst -k "$K"
dk build-noauto build -k "$K" noauto/1.0
dk install-noauto install -k "$K" noauto/1.0
dk kernel-prerm-noauto kernel_prerm -k "$K"
dk remove-noauto remove noauto/1.0 --all
# a module that fails to build
dk add-broken add "$T/fx/broken_build-1.0"
dk build-broken build -k "$K" broken_build/1.0
logcheck build-broken-make-log "$T/tree/broken_build/1.0/build/make.log"
dk add-hello-again add hello/1.0
dk autoinstall-broken autoinstall -k "$K"
dk kernel-postinst-broken kernel_postinst -k "$K"
dk remove-broken remove broken_build/1.0 --all
dk remove-hello-again remove hello/1.0 --all
finish
