#!/bin/bash
# Lifecycle of one module: add (by m/v, directory, dkms.conf path), build,
# install, uninstall, unbuild, remove (+ --all), repeated steps, make.log,
# post_transaction, -q, -j, --directive.
. "$(dirname "$0")/cli-lib.bash"

fx hello-1.0
dk add-mv-nosource add hello/1.0
dk add-dir add "$T/fx/hello-1.0"
dk add-dir-again add "$T/fx/hello-1.0"
dk remove-after-add-dir remove hello/1.0 --all
dk add-conf add "$T/fx/hello-1.0/dkms.conf"
dk add-conf-again add "$T/fx/hello-1.0/dkms.conf"
dk remove-after-add-conf remove -m hello -v 1.0 --all
dk add-mv add -m hello -v 1.0
dk add-mv-again add hello/1.0
dk build build -k "$K" hello/1.0
logcheck build-make-log "$T/tree/hello/1.0/$K/$ARCH/log/make.log"
dk build-again build -k "$K" hello/1.0
dk build-no-headers build -k 6.1.0-0-noheaders hello/1.0
dk build-two-kernels build -k "$K" -k "$K" hello/1.0
dk build-force build -k "$K" hello/1.0 --force
dk install install -k "$K" hello/1.0
dk install-again install -k "$K" hello/1.0
dk install-force install -k "$K" hello/1.0 --force
run modinfo-installed sh -c "modinfo -F version '$T/inst/$K/updates/dkms/hello.ko'; modinfo -F vermagic '$T/inst/$K/updates/dkms/hello.ko' | cut -d' ' -f1"
# post_transaction runs after a successful install and is logged
export post_transaction="echo post-transaction for \$kernelver"
dk install-post-transaction install -k "$K" hello/1.0 --force
logcheck post-transaction-log "$T/tree/post_transaction.log"
unset post_transaction
dk uninstall uninstall -k "$K" hello/1.0
dk uninstall-again uninstall -k "$K" hello/1.0
dk unbuild unbuild -k "$K" hello/1.0
dk unbuild-again unbuild -k "$K" hello/1.0
dk remove remove -k "$K" hello/1.0
dk remove-again remove -k "$K" hello/1.0
dk install-combined install -k "$K" -m hello -v 1.0
dk remove-all remove hello/1.0 --all
# options: -q, -j, --directive
dk add-quiet -q add hello/1.0
dk build-quiet -q build -k "$K" hello/1.0
dk install-quiet -q install -k "$K" hello/1.0
dk remove-quiet -q remove hello/1.0 --all
dk build-j3 build -j 3 -k "$K" hello/1.0
logcheck build-j3-make-log "$T/tree/hello/1.0/$K/$ARCH/log/make.log"
dk build-directive build -k "$K" hello/1.0 --force --directive "MAKE=make -C $T/inst/$K/build M=$T/tree/hello/1.0/build EXTRA_CFLAGS=-DCLI"
logcheck build-directive-make-log "$T/tree/hello/1.0/$K/$ARCH/log/make.log"
dk remove-final remove hello/1.0 --all
finish
