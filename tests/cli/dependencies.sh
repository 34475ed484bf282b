#!/bin/bash
# BUILD_DEPENDS: missing dependency (exit 13, --force), autoinstall rounds,
# deferral when the dependency is unknown to dkms, circular dependency,
# dependency on a failing or a non-autoinstall module, BUILD_DEPENDS_REBUILD.
. "$(dirname "$0")/cli-lib.bash"

for f in hello-1.0 hello-2.0 needy-1.0 needy_rebuild-1.0 selfish-1.0 noauto-1.0 needs_noauto-1.0 broken_build-1.0 needs_broken-1.0; do fx $f; done
dk add-hello add "$T/fx/hello-1.0"
dk autoinstall-hello autoinstall -k "$K"
dk add-needy add "$T/fx/needy-1.0"
dk autoinstall-needy autoinstall -k "$K"
dk kernel-prerm kernel_prerm -k "$K"
dk autoinstall-rounds autoinstall -k "$K"
dk remove-needy remove needy/1.0 --all
dk remove-hello remove hello/1.0 --all
# dependency not satisfied
dk add-needy-alone add needy/1.0
dk build-needy-unsatisfied build -k "$K" needy/1.0
dk build-needy-force build -k "$K" needy/1.0 --force
dk install-needy-built install -k "$K" needy/1.0
dk autoinstall-needy-installed autoinstall -k "$K"
dk unbuild-needy unbuild -k "$K" needy/1.0
dk autoinstall-deferred autoinstall -k "$K"
dk remove-needy-alone remove needy/1.0 --all
# circular
dk add-selfish add "$T/fx/selfish-1.0"
dk autoinstall-circular autoinstall -k "$K"
dk build-circular build -k "$K" selfish/1.0
dk build-circular-force build -k "$K" selfish/1.0 --force
dk install-circular install -k "$K" selfish/1.0
dk remove-circular remove selfish/1.0 --all
# dependency on a failing module
dk add-broken add "$T/fx/broken_build-1.0"
dk add-needs-broken add "$T/fx/needs_broken-1.0"
dk autoinstall-needs-broken autoinstall -k "$K"
dk remove-broken remove broken_build/1.0 --all
dk remove-needs-broken remove needs_broken/1.0 --all
# dependency on a module that is not autoinstalled
dk add-noauto add "$T/fx/noauto-1.0"
dk add-needs-noauto add "$T/fx/needs_noauto-1.0"
dk autoinstall-needs-noauto autoinstall -k "$K"
dk remove-needs-noauto remove needs_noauto/1.0 --all
dk remove-noauto remove noauto/1.0 --all
# BUILD_DEPENDS_REBUILD
dk add-hello-1 add hello/1.0
dk autoinstall-hello-1 autoinstall -k "$K"
dk add-rebuild add "$T/fx/needy_rebuild-1.0"
dk autoinstall-rebuild autoinstall -k "$K"
dk kernel-prerm-rebuild kernel_prerm -k "$K"
dk autoinstall-rebuild-again autoinstall -k "$K"
dk remove-hello-1 remove hello/1.0 --all
dk add-hello-2 add "$T/fx/hello-2.0"
dk install-hello-2 install -k "$K" hello/2.0
dk remove-hello-2 remove hello/2.0 --all
dk add-hello-1-again add hello/1.0
dk install-hello-1 install -k "$K" hello/1.0
dk remove-rebuild remove needy_rebuild/1.0 --all
dk remove-hello-1-again remove hello/1.0 --all
finish
