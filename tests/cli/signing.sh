#!/bin/bash
# Module signing: sign_file from framework.conf (the headers' sign-file), a
# missing key pair generated, a bad sign_file path (warning only),
# try_sign_modules=false, generate_mok.
. "$(dirname "$0")/cli-lib.bash"

fx hello-1.0
dk add add "$T/fx/hello-1.0"
cat >"$T/etc/framework.conf" <<EOC
sign_file="$HDR/scripts/sign-file"
mok_signing_key="$T/keys/mok.key"
mok_certificate="$T/keys/mok.pub"
try_sign_modules="true"
EOC
mkdir -p "$T/keys"
dk build-new-key build -k "$K" hello/1.0
run key-files sh -c "ls '$T/keys'; openssl x509 -inform DER -in '$T/keys/mok.pub' -noout -subject"
run signer modinfo -F signer "$T/tree/hello/1.0/$K/$ARCH/module/hello.ko"
dk build-existing-key build -k "$K" hello/1.0 --force
# a sign_file that does not exist
echo "sign_file=\"$T/no/sign-file\"" >"$T/etc/framework.conf.d/bad.conf"
dk build-bad-sign-file build -k "$K" hello/1.0 --force
run signer-bad sh -c "modinfo -F signer '$T/tree/hello/1.0/$K/$ARCH/module/hello.ko'; echo end"
rm "$T/etc/framework.conf.d/bad.conf"
# ${kernelver} in paths
echo 'sign_file="/usr/src/linux-headers-${kernelver}/scripts/sign-file"' >"$T/etc/framework.conf.d/kver.conf"
dk build-kernelver-path build -k "$K" hello/1.0 --force
rm "$T/etc/framework.conf.d/kver.conf"
# disabled by policy
echo 'try_sign_modules="false"' >"$T/etc/framework.conf.d/off.conf"
dk build-disabled build -k "$K" hello/1.0 --force
run signer-disabled sh -c "modinfo -F signer '$T/tree/hello/1.0/$K/$ARCH/module/hello.ko'; echo end"
rm "$T/etc/framework.conf.d/off.conf"
dk remove remove hello/1.0 --all
# generate_mok
rm -rf "$T/keys"/*
dk generate-mok generate_mok
run key-files-generated ls "$T/keys"
dk generate-mok-again generate_mok
finish
