#!/bin/bash
# The destination directory follows os-release: debian/ubuntu /updates/dkms,
# fedora/rhel /extra, suse /updates, others as written; ADDON_MODULES_DIR wins.
. "$(dirname "$0")/cli-lib.bash"

fx hello-1.0
dk add add "$T/fx/hello-1.0"
dk build build -k "$K" hello/1.0
for d in "debian" "ubuntu debian" "fedora" "rocky rhel centos fedora" "opensuse-leap suse opensuse" "arch" "plan9"; do
	os_release $d
	n=${d%% *}
	dk install-$n install -k "$K" hello/1.0
	dk uninstall-$n uninstall -k "$K" hello/1.0
done
os_release debian
export ADDON_MODULES_DIR=addon
dk install-addon install -k "$K" hello/1.0
dk uninstall-addon uninstall -k "$K" hello/1.0
unset ADDON_MODULES_DIR
dk remove remove hello/1.0 --all
finish
