#!/bin/bash
# The fuzz targets of tests/fuzz/ built in replay mode (gcc, -DFUZZ_REPLAY, no
# libFuzzer) against build/libdkms.a, each replaying its committed seed corpus
# tests/fuzz/corpus/<target>/: every seed must pass the target's checks, so
# the corpus (and the reproducers of bugs fuzzing found) stays meaningful for
# every later change. conf-diff is conf-native with -DFUZZ_DIFF (bash runs).
set -u
. "$(dirname "$0")/../lib.sh"
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
lib=$(dirname "$DKMS_BIN")/libdkms.a
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TMPDIR=$T

libs="$(pkg-config --libs libkmod libarchive blkid zlib liblzma libzstd liblz4 libdeflate) -lbz2"
flags="-std=gnu11 -O1 -g -Wall -Wextra -Wno-unused-parameter -Werror -D_GNU_SOURCE -I. -Idkms-core
	$(pkg-config --cflags blkid)"
# a DEVELOPER=1 library carries the sanitizers' calls
nm "$lib" 2>/dev/null | grep -q __asan_ && flags="$flags -fsanitize=address,undefined"

names=()
for f in tests/fuzz/fuzz-*.c; do n=${f#tests/fuzz/fuzz-}; names+=("${n%.c}"); done
names+=(conf-diff)

for n in "${names[@]}"; do
	src=tests/fuzz/fuzz-$n.c extra=
	[[ $n == conf-diff ]] && src=tests/fuzz/fuzz-conf-native.c extra=-DFUZZ_DIFF
	seeds=(tests/fuzz/corpus/"$n"/*)
	if [[ ! -e ${seeds[0]} ]]; then
		not_ok "$n: no seeds in tests/fuzz/corpus/$n"
		continue
	fi
	if ! cc $flags -DFUZZ_REPLAY $extra -o "$T/$n" "$src" "$lib" $libs 2>"$T/$n.cc"; then
		not_ok "$n: replay build"
		diag <"$T/$n.cc"
		continue
	fi
	if "$T/$n" "${seeds[@]}" >"$T/$n.out" 2>&1; then
		ok "$n: ${#seeds[@]} seeds replay cleanly"
	else
		not_ok "$n: replay of tests/fuzz/corpus/$n failed"
		tail -n 20 "$T/$n.out" | diag
	fi
	leftover=$(find "$T" -mindepth 1 -maxdepth 1 -name 'fuzz-*' | head -3)
	check "$n: no scratch directory left behind" test -z "$leftover"
done

# seeds are named by content hash, small, and no binary a package would be
bad=$(find tests/fuzz/corpus -type f | grep -Ev '/[0-9a-f]{40}$' | head -5)
check "seeds are named by their SHA-1 (no extension)" test -z "$bad"
big=$(find tests/fuzz/corpus -type f -size +128k | head -5)
check "no seed over 128 KiB" test -z "$big"
total=$(du -sk --apparent-size tests/fuzz/corpus | cut -f1)
check "corpus under 5 MB (${total} KiB)" test "$total" -lt 5120
echo "1..$_tap_n"
