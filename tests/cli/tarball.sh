#!/bin/bash
# mktarball (source and binaries, --source-only, --binaries-only, --archive)
# and ldtarball of each.
. "$(dirname "$0")/cli-lib.bash"

list() { tar tzf "$1" | LC_ALL=C sort; }
fx hello-1.0
dk add add "$T/fx/hello-1.0"
dk build build -k "$K" hello/1.0
dk mktarball mktarball -k "$K" hello/1.0
run mktarball-list list "$T/tree/hello/1.0/tarball/hello-1.0-kernel$K-$ARCH.dkms.tar.gz"
dk mktarball-source-only mktarball -k "$K" hello/1.0 --source-only
dk mktarball-binaries-only mktarball -k "$K" hello/1.0 --binaries-only --archive "$T/work/bin.dkms.tar.gz"
run mktarball-binaries-only-list list "$T/work/bin.dkms.tar.gz"
dk mktarball-both mktarball -k "$K" hello/1.0 --binaries-only --source-only
cp "$T/tree/hello/1.0/tarball/hello-1.0-kernel$K-$ARCH.dkms.tar.gz" "$T/work/full.dkms.tar.gz"
cp "$T/tree/hello/1.0/tarball/hello-1.0-source-only.dkms.tar.gz" "$T/work/source.dkms.tar.gz"
dk remove remove hello/1.0 --all
rm -rf "$T/src/hello-1.0"
dk ldtarball-full ldtarball "$T/work/full.dkms.tar.gz"
dk ldtarball-full-again ldtarball "$T/work/full.dkms.tar.gz"
# --force onto the added package: dkms 3.4.3 loads the source and the
# binaries again, then its add fails (exit 3, "already contains")
dk ldtarball-full-force ldtarball --force "$T/work/full.dkms.tar.gz"
dk install-full install -k "$K" hello/1.0
dk remove-full remove hello/1.0 --all
rm -rf "$T/src/hello-1.0"
dk ldtarball-source ldtarball "$T/work/source.dkms.tar.gz"
dk remove-source remove hello/1.0 --all
rm -rf "$T/src/hello-1.0"
dk add-tarball add "$T/work/source.dkms.tar.gz"
dk remove-add-tarball remove hello/1.0 --all
rm -rf "$T/src/hello-1.0"
# binaries only, without the source in the source tree. dkms 3.4.3 makes
# tree/m/v/source a plain directory holding dkms.conf, exits 1, and the module
# is then invisible to status. Expected instead: the dkms.conf goes to the
# source tree as <m>-<v>/ with the usual source link, so the module is "built"
# for both tools.
DIVERGE="3.4.3 loses binaries-only tarballs" dk ldtarball-binaries ldtarball "$T/work/bin.dkms.tar.gz"
DIVERGE="3.4.3 loses binaries-only tarballs" dk install-binaries install -k "$K" hello/1.0
DIVERGE="3.4.3 loses binaries-only tarballs" dk remove-binaries remove hello/1.0 --all
finish
