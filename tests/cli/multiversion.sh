#!/bin/bash
# Two versions of one module: both added/built, one installed at a time;
# autoinstall picks the highest version.
. "$(dirname "$0")/cli-lib.bash"

fx multi/1.0
fx multi/2.0
dk add-1 add "$T/fx/multi/1.0"
dk add-2 add "$T/fx/multi/2.0"
dk build-1 build -k "$K" multi/1.0
dk build-2 build -k "$K" multi/2.0
dk install-1 install -k "$K" multi/1.0
dk install-2 install -k "$K" multi/2.0
dk install-1-again install -k "$K" multi/1.0
dk install-1-force install -k "$K" multi/1.0 --force
dk uninstall-1 uninstall -k "$K" multi/1.0
dk uninstall-2 uninstall -k "$K" multi/2.0
dk autoinstall autoinstall -k "$K"
dk status-m status -m multi
dk status-mv status -m multi -v 1.0
dk unbuild-1 unbuild -k "$K" multi/1.0
dk unbuild-2 unbuild -k "$K" multi/2.0
dk remove-1 remove multi/1.0 --all
dk remove-2 remove multi/2.0 --all
finish
