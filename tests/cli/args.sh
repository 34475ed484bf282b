#!/bin/bash
# Command line: -V, --help, unknown options and actions, argument errors and
# their exit codes, actions on modules dkms does not know.
. "$(dirname "$0")/cli-lib.bash"
NOSNAP=1 run version "${DKMS_CMD[@]}" -V
NOSNAP=1 run version-long "${DKMS_CMD[@]}" --version
NOSNAP=1 run help "${DKMS_CMD[@]}" --help
NOSNAP=1 run unknown-option "${DKMS_CMD[@]}" --no-such-option
dk no-action
dk unknown-action frobnicate hello/1.0
dk build-no-module build -k "$K"
dk build-no-version build -k "$K" -m hello
dk build-unknown-module build -k "$K" hello/1.0
dk build-empty-kernel build -k "" hello/1.0
dk build-arch-without-kernel build -a x86_64 hello/1.0
dk build-two-arch build -k "$K" -a x86_64 -a x86_64 hello/1.0
dk add-all add hello/1.0 --all
dk build-all build hello/1.0 --all
dk install-all install hello/1.0 --all
dk module-mismatch build -m hello -v 1.0 other/2.0 -k "$K"
dk add-missing-dir add "$T/fx/no-such-dir"
dk status-unknown status -m nothing
dk uninstall-unknown uninstall -k "$K" hello/1.0
dk remove-unknown remove hello/1.0 --all
dk remove-no-kernel remove hello/1.0
src hello-1.0 hello-1.0
dk add add hello/1.0
dk uninstall-not-installed uninstall -k "$K" hello/1.0
dk unbuild-not-built unbuild -k "$K" hello/1.0
dk remove-empty-kernel remove -k "" hello/1.0
dk install-no-install-tree install -k 6.1.0-0-nothere hello/1.0
dk mktarball-not-built mktarball -k "$K" hello/1.0
dk match-no-template match -k "$K"
dk match-same-kernel match --templatekernel "$K" -k "$K"
dk deprecated-options status --no-initrd --no-clean-kernel --no-prepare-kernel
dk remove remove hello/1.0 --all
finish
