#!/bin/bash
# BUILD_EXCLUSIVE_*: whole-package exclusion (exit 77, skipped by
# autoinstall), a dependency on an excluded module, per-module variants.
. "$(dirname "$0")/cli-lib.bash"

for f in exclusive-1.0 needs_exclusive-1.0 hello-1.0 broken_build-1.0 permod_kernel-1.0 permod_config-1.0 permod_mixed-1.0; do fx $f; done
dk add add "$T/fx/exclusive-1.0"
dk build build -k "$K" exclusive/1.0
dk install install -k "$K" exclusive/1.0
dk autoinstall-skip autoinstall -k "$K"
dk add-hello add "$T/fx/hello-1.0"
dk autoinstall-skip-pass autoinstall -k "$K"
dk unbuild-hello unbuild -k "$K" hello/1.0
dk add-broken add "$T/fx/broken_build-1.0"
dk autoinstall-skip-fail-pass autoinstall -k "$K"
dk remove-broken remove broken_build/1.0 --all
dk remove-hello remove hello/1.0 --all
dk add-needs add "$T/fx/needs_exclusive-1.0"
dk autoinstall-dependency autoinstall -k "$K"
dk remove-needs remove needs_exclusive/1.0 --all
dk remove remove exclusive/1.0 --all
dk add-permod-kernel add "$T/fx/permod_kernel-1.0"
dk build-permod-kernel build -k "$K" permod_kernel/1.0
dk remove-permod-kernel remove permod_kernel/1.0 --all
dk add-permod-config add "$T/fx/permod_config-1.0"
dk build-permod-config build -k "$K" permod_config/1.0
dk remove-permod-config remove permod_config/1.0 --all
dk add-permod-mixed add "$T/fx/permod_mixed-1.0"
dk install-permod-mixed install -k "$K" permod_mixed/1.0
dk remove-permod-mixed remove permod_mixed/1.0 --all
finish
