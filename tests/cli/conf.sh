#!/bin/bash
# dkms.conf handling: malformed files (none, empty, invalid values, sparse
# arrays, zero modules, defaulted BUILT_MODULE_NAME, duplicates), CRLF line
# endings, deprecated directives, shell in dkms.conf, override confs.
. "$(dirname "$0")/cli-lib.bash"

for f in conf_none conf_empty conf_invalid conf_sparse conf_zero conf_default_name dup_name dup_built-1.0 dup_dest-1.0 crlf-1.0 deprecated-1.0 shelly-1.0 hello-1.0; do fx $f; done
dk add-no-conf add "$T/fx/conf_none"
dk add-empty add "$T/fx/conf_empty"
dk add-invalid add "$T/fx/conf_invalid"
dk add-sparse add "$T/fx/conf_sparse"
dk add-zero add "$T/fx/conf_zero"
dk install-zero install -k "$K" conf_zero/1.0
dk remove-zero remove conf_zero/1.0 --all
dk add-default-name add "$T/fx/conf_default_name"
dk install-default-name install -k "$K" conf_default_name/1.0
dk remove-default-name remove conf_default_name/1.0 --all
rm -rf "$T/src/conf_default_name-1.0"
dk build-without-source build -k "$K" conf_default_name/1.0
dk add-dup-name add "$T/fx/dup_name"
dk add-dup-built add "$T/fx/dup_built-1.0"
dk install-dup-built install -k "$K" dup_built/1.0
dk remove-dup-built remove dup_built/1.0 --all
dk add-dup-dest add "$T/fx/dup_dest-1.0"
dk add-crlf add "$T/fx/crlf-1.0"
dk install-crlf install -k "$K" crlf/1.0
dk remove-crlf remove crlf/1.0 --all
dk add-deprecated add "$T/fx/deprecated-1.0"
dk install-deprecated install -k "$K" deprecated/1.0
dk remove-deprecated remove deprecated/1.0 --all
dk add-shelly add "$T/fx/shelly-1.0"
dk install-shelly install -k "$K" shelly/1.0
logcheck install-shelly-make-log "$T/tree/shelly/1.0/$K/$ARCH/log/make.log"
dk remove-shelly remove shelly/1.0 --all
# override confs: <m>.conf, <m>-<v>.conf, <m>-<v>-<k>.conf, <m>--<k>.conf,
# later ones winning. dkms 3.4.3's status ignores them (it reads the override
# files for an empty module name) and reports the module as missing.
dk add-hello add "$T/fx/hello-1.0"
echo 'DEST_MODULE_NAME[0]="hello_etc"' >"$T/etc/hello.conf"
echo 'DEST_MODULE_LOCATION[0]="/extra"' >"$T/etc/hello-1.0.conf"
echo 'DEST_MODULE_NAME[0]="hello_kernel"' >"$T/etc/hello-1.0-$K.conf"
echo 'STRIP[0]="no"' >"$T/etc/hello--$K.conf"
DIVERGE="3.4.3 status ignores /etc/dkms overrides" dk install-overridden install -k "$K" hello/1.0
dk remove-hello remove hello/1.0 --all
# -c: another dkms.conf
printf 'PACKAGE_NAME="hello"\nPACKAGE_VERSION="1.0"\nBUILT_MODULE_NAME[0]="hello"\nDEST_MODULE_NAME[0]="hello_c"\nDEST_MODULE_LOCATION[0]="/updates"\n' >"$T/fx/other.conf"
rm "$T/etc"/hello*.conf
dk add-hello-again add hello/1.0
dk install-c install -k "$K" hello/1.0 -c "$T/fx/other.conf"
dk remove-c remove hello/1.0 --all -c "$T/fx/other.conf"
finish
