#!/bin/bash
# A module replacing one that already exists in the kernel modules folder:
# original_module/ with .origin, "(Original modules exist)", restore on
# uninstall, autoinstall of the replacement.
. "$(dirname "$0")/cli-lib.bash"

fx hello-1.0
fx hello_replace-2.0
dk add-hello add "$T/fx/hello-1.0"
dk install-hello install -k "$K" hello/1.0
dk add-replace add "$T/fx/hello_replace-2.0"
dk install-replace install -k "$K" hello_replace/2.0
dk unbuild-replace unbuild -k "$K" hello_replace/2.0
dk autoinstall autoinstall -k "$K"
dk autoinstall-again autoinstall -k "$K"
dk remove-replace remove -k "$K" hello_replace/2.0
dk remove-hello remove -k "$K" hello/1.0
# an original shipped with the kernel, in kernel/drivers
dk build-hello build -k "$K" hello/1.0
mkdir -p "$T/inst/$K/kernel/drivers/misc"
cp "$T/tree/hello/1.0/$K/$ARCH/module/hello.ko" "$T/inst/$K/kernel/drivers/misc/hello.ko"
dk install-over-kernel install -k "$K" hello_replace/2.0
dk status-over-kernel status -m hello_replace
dk uninstall-over-kernel uninstall -k "$K" hello_replace/2.0
dk remove-all remove hello_replace/2.0 --all
dk remove-hello-all remove hello/1.0 --all
finish
