#!/bin/bash
# `status` in every state: added, built, installed, broken (dangling source
# link; source dir without link), built modules missing from the kernel
# modules folder, differences between built and installed modules; filters.
. "$(dirname "$0")/cli-lib.bash"

fx hello-1.0
fx multi/1.0
fx multi/2.0
dk add add "$T/fx/hello-1.0"
dk status-m status -m hello
dk status-mv status hello/1.0
dk build build -k "$K" hello/1.0
add_kernel "$K2"
dk build-k2 build -k "$K2" hello/1.0
dk status-k status -k "$K2"
dk status-mk status -m hello -k "$K"
dk install install -k "$K" hello/1.0
# the installed file disappears
rm "$T/inst/$K/updates/dkms/hello.ko"
dk status-missing status
dk install-after-missing install -k "$K" hello/1.0 --force
# the installed file is another module
fx hello-2.0
dk add-2 add "$T/fx/hello-2.0"
dk build-2 build -k "$K" hello/2.0
cp "$T/tree/hello/2.0/$K/$ARCH/module/hello.ko" "$T/inst/$K/updates/dkms/hello.ko"
dk status-differences status hello/1.0
dk remove-2 remove hello/2.0 --all
dk uninstall-differences uninstall -k "$K" hello/1.0
dk install-again install -k "$K" hello/1.0
# "incomplete": the built module is gone from the dkms tree too
rm "$T/tree/hello/1.0/$K/$ARCH/module/hello.ko" "$T/inst/$K/updates/dkms/hello.ko"
dk status-incomplete status -m hello
dk uninstall-incomplete uninstall -k "$K" hello/1.0
dk install-incomplete install -k "$K" hello/1.0
dk remove remove hello/1.0 --all
# broken: the source link dangles
dk add-again add hello/1.0
rm -rf "$T/src/hello-1.0"
dk status-dangling status
dk build-dangling build -k "$K" hello/1.0
dk remove-dangling remove hello/1.0 --all
# broken: source directory without the link
dk add-multi add "$T/fx/multi/1.0"
rm "$T/tree/multi/1.0/source"
dk status-no-link status
dk build-no-link build -k "$K" multi/1.0
dk install-no-link install -k "$K" multi/1.0
dk unbuild-no-link unbuild -k "$K" multi/1.0
dk uninstall-no-link uninstall -k "$K" multi/1.0
dk remove-no-link remove multi/1.0 --all
dk readd-multi add multi/1.0
dk add-multi2 add "$T/fx/multi/2.0"
rm "$T/tree/multi/1.0/source"
dk status-two-versions-one-broken status
dk remove-multi2 remove multi/2.0 --all
finish
