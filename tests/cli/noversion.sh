#!/bin/bash
# Modules without MODULE_VERSION or with an empty one, and the version
# sanity check against an installed module ("already installed at version",
# --force, --force-version-override).
. "$(dirname "$0")/cli-lib.bash"

fx nover
fx emptyver
for v in 1.0 2.0 3.0; do fx nover_update/$v; done
fx hello-1.0
fx hello-2.0
dk add-nover add "$T/fx/nover"
dk add-emptyver add "$T/fx/emptyver"
dk build-nover build -k "$K" nover/1.0
dk build-emptyver build -k "$K" emptyver/1.0
dk install-nover install -k "$K" nover/1.0
dk install-emptyver install -k "$K" emptyver/1.0
dk uninstall-nover uninstall -k "$K" nover/1.0
dk uninstall-emptyver uninstall -k "$K" emptyver/1.0
dk unbuild-nover unbuild -k "$K" nover/1.0
dk unbuild-emptyver unbuild -k "$K" emptyver/1.0
dk remove-nover remove nover/1.0 --all
dk remove-emptyver remove emptyver/1.0 --all
# updates of a module without version: srcversion decides
dk add-update-1 add "$T/fx/nover_update/1.0"
dk install-update-1 install -k "$K" nover_update/1.0
dk add-update-2 add "$T/fx/nover_update/2.0"
dk install-update-2 install -k "$K" nover_update/2.0
dk add-update-3 add "$T/fx/nover_update/3.0"
dk build-update-3 build -k "$K" nover_update/3.0
dk install-update-3 install -k "$K" nover_update/3.0
dk remove-update-1 remove nover_update/1.0 --all
dk remove-update-2 remove nover_update/2.0 --all
dk remove-update-3 remove nover_update/3.0 --all
# a newer version installed outside dkms's control
dk add-hello-2 add "$T/fx/hello-2.0"
dk build-hello-2 build -k "$K" hello/2.0
mkdir -p "$T/inst/$K/kernel/drivers/misc"
cp "$T/tree/hello/2.0/$K/$ARCH/module/hello.ko" "$T/inst/$K/kernel/drivers/misc/hello.ko"
dk remove-hello-2 remove hello/2.0 --all
dk add-hello-1 add "$T/fx/hello-1.0"
dk install-older install -k "$K" hello/1.0
dk install-older-override install -k "$K" hello/1.0 --force-version-override
dk uninstall-override uninstall -k "$K" hello/1.0
dk install-older-force install -k "$K" hello/1.0 --force
dk remove-hello-1 remove hello/1.0 --all
finish
