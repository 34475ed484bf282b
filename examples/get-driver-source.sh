#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# get-driver-source.sh [DRIVER...]
#
# Make ready-to-add dkms source trees of real storage drivers, taken from
# Debian's linux-source-6.1 package:
#
#   <cache>/src/megaraid_sas-<ver>/   <cache>/src/qla2xxx-<ver>/
#
# each holding the driver's .c/.h files, a Kbuild (obj-m and the object list
# read from the in-tree Makefile), a Makefile for building by hand, and the
# dkms.conf from examples/<driver>/dkms.conf. DRIVER defaults to all of them.
# Prints one line per driver on stdout: the path of its source tree.
#
# <ver> is the upstream kernel version of the source (6.1.192), not the
# driver's MODULE_VERSION: MODULE_VERSION stays the same across stable updates
# whose code differs (megaraid_sas is "07.719.03.00-rc1" in every 6.1.y), and
# its "-rc1" would not be a valid RPM version for driver disks.
#
# Which linux-source-6.1: $LINUX_SOURCE_VERSION (a Debian version, 6.1.192-2)
# if set, else the version of the installed linux-headers-6.1.*-amd64 package
# (so the source matches the headers it is built against), else apt's
# candidate. The .deb is fetched with `apt-get download` into <cache>, which
# is $DKMS_CACHE or <repo>/.cache (git-ignored). With a warm cache nothing is
# downloaded or extracted and the script takes a fraction of a second.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(dirname "$here")
cache=${DKMS_CACHE:-$top/.cache}
srcpkg=linux-source-6.1

declare -A indir=(
	[megaraid_sas]=drivers/scsi/megaraid
	[qla2xxx]=drivers/scsi/qla2xxx
)

say() { echo "get-driver-source: $*" >&2; }
die() { say "error: $*"; exit 1; }

drivers=("$@")
((${#drivers[@]})) || drivers=(megaraid_sas qla2xxx)
for d in "${drivers[@]}"; do
	[[ -n ${indir[$d]:-} ]] || die "unknown driver '$d' (known: ${!indir[*]})"
	[[ -f $here/$d/dkms.conf ]] || die "missing $here/$d/dkms.conf"
done

mkdir -p "$cache/src"
exec 9>"$cache/.get-driver-source.lock"
flock 9

# --- which Debian version of linux-source-6.1 -------------------------------
want_version() {
	if [[ -n ${LINUX_SOURCE_VERSION:-} ]]; then
		echo "$LINUX_SOURCE_VERSION"
		return
	fi
	local h v
	for h in $(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V -r); do
		v=$(dpkg-query -W -f='${Version}' "${h#/usr/src/}" 2>/dev/null) || continue
		[[ -n $v ]] && { echo "$v"; return; }
	done
	apt-cache policy "$srcpkg" 2>/dev/null | awk '/Candidate:/ && $2 != "(none)" { print $2; exit }'
}

debver=$(want_version)

# A tree is warm when its stamp (beside it, so that it does not travel with
# the source into tarballs and packages) names the same package version.
stamp_of() { echo "$srcpkg $debver"; }
stamp_file() { echo "$cache/src/.${1##*/}.stamp"; }
warm_tree() {
	local d=$1 t s
	for t in "$cache"/src/"$d"-*/; do
		t=${t%/}
		s=$(stamp_file "$t")
		[[ -f $s ]] && [[ $(<"$s") == "$(stamp_of)" ]] || continue
		echo "$t"
		return 0
	done
	return 1
}

todo=()
for d in "${drivers[@]}"; do
	[[ -n $debver ]] && warm_tree "$d" >/dev/null || todo+=("$d")
done

# --- fetch the .deb ----------------------------------------------------------
fetch_deb() {
	local deb=$cache/${srcpkg}_${debver}_all.deb dl
	if [[ -s $deb ]]; then
		echo "$deb"
		return
	fi
	dl=$(mktemp -d "$cache/.download.XXXXXX")
	say "downloading $srcpkg $debver (about 140 MB)..."
	if ! (cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "$srcpkg=$debver" >/dev/null 2>"$dl/err"); then
		say "apt-get download failed; running apt-get update and retrying"
		apt-get -q update >/dev/null 2>&1 || true
		if ! (cd "$dl" && apt-get -q -o APT::Sandbox::User=root download "$srcpkg=$debver" >/dev/null 2>"$dl/err"); then
			sed 's/^/  /' "$dl/err" >&2
			rm -rf "$dl"
			return 1
		fi
	fi
	mv "$dl"/${srcpkg}_*_all.deb "$deb"
	rm -rf "$dl"
	echo "$deb"
}

if ((${#todo[@]})); then
	deb=
	if [[ -n $debver ]]; then
		deb=$(fetch_deb) || deb=
	fi
	if [[ -z $deb ]]; then
		# Offline: fall back to the newest .deb already in the cache.
		deb=$(ls "$cache"/${srcpkg}_*_all.deb 2>/dev/null | sort -V | tail -n1)
		[[ -n $deb ]] || die "cannot get $srcpkg${debver:+ $debver} (no network and nothing cached in $cache)"
		debver=${deb##*/${srcpkg}_}
		debver=${debver%_all.deb}
		say "using cached $srcpkg $debver"
		todo=()
		for d in "${drivers[@]}"; do warm_tree "$d" >/dev/null || todo+=("$d"); done
	fi
fi

# --- extract and assemble ----------------------------------------------------
# Print the object list of module $2 from the in-tree Makefile in dir $1.
objs_of() {
	make -s --no-print-directory -C "$1" -f - print-objs <<EOF
include Makefile
print-objs: ; @echo \$($2-objs) \$($2-y)
EOF
}

# Copy the sources of module $2 from in-tree dir $1 to $3: the .c (or .S)
# file of each object and every header they include with "", transitively.
copy_sources() {
	local from=$1 name=$2 to=$3 o f h
	local -a objs files=()
	read -r -a objs <<<"$(objs_of "$from" "$name")"
	((${#objs[@]})) || die "no objects for $name in $from/Makefile"
	for o in "${objs[@]}"; do
		o=${o%.o}
		if [[ -f $from/$o.c ]]; then files+=("$o.c")
		elif [[ -f $from/$o.S ]]; then files+=("$o.S")
		else die "$from: no source for $o.o"; fi
	done
	local -A seen=()
	while ((${#files[@]})); do
		f=${files[0]}
		files=("${files[@]:1}")
		[[ -n ${seen[$f]:-} ]] && continue
		seen[$f]=1
		cp -p "$from/$f" "$to/$f"
		while read -r h; do
			[[ -f $from/$h && -z ${seen[$h]:-} ]] && files+=("$h")
		done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$from/$f")
	done
	grep -qE '^(ccflags|CFLAGS_|subdir-ccflags)' "$from/Makefile" &&
		say "warning: $from/Makefile sets compiler flags that the generated Kbuild does not carry"
	printf '%s\n' "${objs[@]}"
}

write_tree() {
	local d=$1 ver=$2 staged=$3 from=$4 objlist
	mkdir -p "$staged"
	objlist=$(copy_sources "$from" "$d" "$staged" | tr '\n' ' ')
	objlist=${objlist% }
	cat >"$staged/Kbuild" <<EOF
# SPDX-License-Identifier: GPL-2.0
# Out-of-tree build of $d from $srcpkg $debver (${indir[$d]}/Makefile).
obj-m := $d.o
$d-objs := $objlist
EOF
	cat >"$staged/Makefile" <<'EOF'
# SPDX-License-Identifier: GPL-2.0
# dkms runs `make -C <kernel build dir> M=<this dir>` and kbuild reads Kbuild;
# `make [KVER=...]` builds by hand.
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

all:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
EOF
	sed "/^PACKAGE_VERSION=/s/#MODULE_VERSION#/$ver/" "$here/$d/dkms.conf" >"$staged/dkms.conf"
}

if ((${#todo[@]})); then
	work=$(mktemp -d "$cache/src/.extract.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	members=("$srcpkg/Makefile")
	for d in "${todo[@]}"; do members+=("$srcpkg/${indir[$d]}/*"); done
	say "extracting ${todo[*]} from ${deb##*/}..."
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/$srcpkg.tar.xz" |
		xz -dc | tar -x -C "$work" --wildcards "${members[@]}"
	kver=$(awk -F' *= *' '$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		$1 == "SUBLEVEL" { s = $2 } $1 == "EXTRAVERSION" { e = $2 }
		/^NAME/ { print v "." p "." s e; exit }' "$work/$srcpkg/Makefile")
	[[ $kver =~ ^[0-9]+\.[0-9]+ ]] || die "cannot read the kernel version from $srcpkg/Makefile"
	for d in "${todo[@]}"; do
		write_tree "$d" "$kver" "$work/out/$d-$kver" "$work/$srcpkg/${indir[$d]}"
		rm -rf "${cache:?}/src/$d-$kver" "$(stamp_file "$d-$kver")"
		mv -T "$work/out/$d-$kver" "$cache/src/$d-$kver"
		stamp_of >"$(stamp_file "$d-$kver")"
	done
fi

# Keep dkms.conf current with examples/<driver>/dkms.conf, then report.
for d in "${drivers[@]}"; do
	t=$(warm_tree "$d") || die "no source tree for $d"
	ver=${t##*/$d-}
	sed "/^PACKAGE_VERSION=/s/#MODULE_VERSION#/$ver/" "$here/$d/dkms.conf" >"$t/.dkms.conf.new"
	if cmp -s "$t/.dkms.conf.new" "$t/dkms.conf"; then
		rm -f "$t/.dkms.conf.new"
	else
		mv "$t/.dkms.conf.new" "$t/dkms.conf"
	fi
	echo "$t"
done
