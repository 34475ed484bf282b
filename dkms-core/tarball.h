/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * dkms tarballs (`dkms mktarball` / `dkms ldtarball`), written and read with
 * libarchive.
 *
 * Layout, as dkms's `cp -rf <built dir> <tmp>/dkms_main_tree/<k>/` followed
 * by `tar -C <tmp> -caf <out> .` gives it (every name starts with "./",
 * directories have their own entries):
 *
 *   ./
 *   ./dkms_main_tree/                         always, empty with source-only
 *   ./dkms_main_tree/<k>/<arch>/...           a copy of <dkms_tree>/m/v/<k>/<arch>
 *                                             (module/<name>.ko[.xz|.zst|.gz], log/make.log, ...)
 *   ./dkms_source_tree/...                    the source (not with binaries-only)
 *   ./dkms_binaries_only/dkms.conf            with binaries-only
 *   ./dkms_binaries_only/PACKAGE_NAME         "<module>\n"
 *   ./dkms_binaries_only/PACKAGE_VERSION      "<version>\n"
 *
 * Archives are pax "restricted" (plain ustar headers, pax extended headers
 * only where ustar cannot hold a value, e.g. names over 100 bytes), which GNU
 * tar, bsdtar and both dkms versions read.
 *
 * Functions return 0 or a negative errno and print dkms's messages through
 * dkms_info()/dkms_error() of context.h themselves, once.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "util/strv.h"

/* ---------------------------------------------------------------- create */

enum dkms_tarball_content {
	DKMS_TARBALL_SOURCE,        /* dkms_source_tree/ + dkms_main_tree/<k>/<arch> */
	DKMS_TARBALL_BINARIES_ONLY, /* dkms_binaries_only/ + dkms_main_tree/<k>/<arch> (--binaries-only) */
	DKMS_TARBALL_SOURCE_ONLY,   /* dkms_source_tree/ + empty dkms_main_tree/ (--source-only) */
};

struct dkms_tarball_kernel {
	const char *kernel;    /* kernel version */
	const char *arch;      /* its architecture */
	const char *built_dir; /* <dkms_tree>/<m>/<v>/<kernel>/<arch> */
};

struct dkms_tarball_spec {
	const char *module;
	const char *version;
	enum dkms_tarball_content content;
	/* ignored with DKMS_TARBALL_SOURCE_ONLY, needed (n >= 1) otherwise */
	const struct dkms_tarball_kernel *kernels;
	size_t n_kernels;
	/*
	 * DKMS_TARBALL_SOURCE(_ONLY): the directory archived as
	 * dkms_source_tree/, dkms's <dkms_tree>/<m>/<v>/source (a symlink
	 * to the source is followed; links inside it are stored as links).
	 * It is printed as given in "Marking <source_dir> for archiving...".
	 */
	const char *source_dir;
	/*
	 * DKMS_TARBALL_BINARIES_ONLY: the dkms.conf copied into
	 * dkms_binaries_only/: dkms's -c file; when NULL, <source_dir>/dkms.conf
	 * as in dkms. As in dkms, a missing file is silently left out.
	 */
	const char *conf;
	/*
	 * When set, the tree the output's directory is in (the DKMS tree, for
	 * the default <m>/<v>/tarball/): it is made and opened beneath it and
	 * the tarball renamed into it relative to that directory, so a symlink
	 * planted there cannot lead the write out (-EXDEV, "Could not create").
	 */
	const char *output_root;
};

/*
 * dkms's default tarball name:
 *   <m>-<v>-kernel<k1>-<a1>[-kernel<k2>-<a2>...].dkms.tar.gz
 *   <m>-<v>-source-only.dkms.tar.gz              (source_only)
 *   <m>-<v>-manykernels.dkms.tar.gz              (kernel part >= 200 chars)
 * dkms tests `(( $(echo "$list" | wc -m) > 200 ))`: echo adds a newline,
 * so a list of 200 characters or more becomes "manykernels". Characters are
 * counted as UTF-8 code points (wc -m in a UTF-8 locale; the same as bytes
 * for the ASCII names kernels have). Kernels are taken in the order given,
 * duplicates included, as dkms does. Returns an allocated string.
 */
char *dkms_tarball_default_name(const char *module, const char *version,
				const struct dkms_tarball_kernel *kernels, size_t n_kernels,
				bool source_only);

/*
 * The path dkms writes to and prints in "Tarball location: ...":
 * without archive_location "<dkms_tree>/<m>/<v>/tarball/" + "/" + default_name
 * (dkms's double slash kept); with --archive A, A's basename in A's directory,
 * or in <dkms_tree>/<m>/<v>/tarball/ when A has no slash. Allocated.
 */
char *dkms_tarball_location(const struct dkms_ctx *ctx, const char *module,
			    const char *version, const char *default_name,
			    const char *archive_location);

/*
 * The compression `tar -a` picks for an output name, by its suffix
 * (case-sensitive, as GNU tar): .gz .tgz .taz gzip; .bz2 .tbz .tbz2 .tz2
 * bzip2; .xz .txz xz; .zst .tzst zstd; .lzma .tlz lzma; .lz lzip; .lzo lzop;
 * .Z .taZ compress; anything else (.tar, ...) none. Returns one of
 * libarchive's ARCHIVE_FILTER_* codes.
 */
int dkms_tarball_filter_for_name(const char *name);

/*
 * Build the tarball at `output` (compression from its suffix as above),
 * printing dkms's lines on ctx->out:
 *   Marking modules for <k> (<arch>) for archiving...     (each kernel)
 *   <blank>
 *   Creating tarball structure to specifically accommodate binaries.
 *     or: Marking <source_dir> for archiving...
 *   <blank>
 *   Tarball location: <output>
 * The directory of `output` (its text up to the last slash, so dkms's
 * "tarball/" keeps its slash in messages) is created if missing. The archive
 * is written to a temp file beside it and renamed into place, so a failure
 * leaves no partial archive; its mode is 0666 & ~umask as tar would create.
 *
 * Errors (printed with dkms's texts; dkms exit code in brackets):
 *   -ENOENT  a built_dir is not a directory: "No modules built for <k> (<arch>).
 *            Modules must already be in the built state before using mktarball." [6]
 *   -EACCES  the directory cannot be created or written:
 *            "Missing write permissions for <dir>." [9]
 *   other    "Failed to make tarball." after a line saying why [6]
 *
 * Entry details: directories made by dkms's mkdir -p (".", dkms_main_tree,
 * <k>, dkms_source_tree, dkms_binaries_only) are 0755, the three files of
 * dkms_binaries_only 0644, all owned by the caller's uid/gid. Copied trees keep
 * mode bits (without setuid/setgid/sticky), mtimes and, for the source tree,
 * owners (cp -p); built trees are owned by the caller (cp without -p).
 * Symlinks are stored as symlinks, hardlinked files as separate files (cp
 * keeps no links), and fifos, sockets and device nodes are skipped with a
 * warning (dkms's extractor here refuses them). Names in each directory are
 * written in byte order.
 */
int dkms_tarball_create(const struct dkms_ctx *ctx, const struct dkms_tarball_spec *spec,
			const char *output);

/* --------------------------------------------------------------- extract */

/* Refuse archives whose regular files add up to more than this. */
#define DKMS_TARBALL_MAX_TOTAL_SIZE ((int64_t)8 << 30) /* 8 GiB */
/* ... or that have more entries than this. */
#define DKMS_TARBALL_MAX_ENTRIES 1000000

/*
 * Extract `archive` (any format and compression libarchive reads: tar of
 * every flavour, cpio, zip, ...) into `dest`, which must not exist or be an
 * empty directory (e.g. from mkdtemp); it ends up a directory of mode 0700.
 *
 * The whole archive is read and checked first; nothing is written unless
 * every entry passes. Refused, with one line
 *   "Refusing to extract <archive>: entry '<name>' <reason>."
 * and -EINVAL:
 *   - absolute names, and names with a ".." component (after "./" and "//"
 *     are folded away; "./" itself is the root and is not extracted);
 *   - device nodes, fifos, sockets and unknown types;
 *   - symlinks with an absolute target, or whose target, resolved through
 *     the archive's own symlinks as the kernel would, leaves the extraction
 *     root (or loops);
 *   - hardlinks whose target is not an earlier regular file of the archive
 *     (absolute, "..", missing, a directory or a symlink);
 *   - entries lying beneath a symlink or a non-directory of the archive
 *     (writing through links), and names that appear twice with different
 *     types or symlink targets;
 *   - more than DKMS_TARBALL_MAX_ENTRIES entries, or regular files adding up to
 *     more than DKMS_TARBALL_MAX_TOTAL_SIZE.
 * Then the archive is read again from the same open file into a temp
 * directory beside `dest` (in the real path of its parent), every entry
 * compared to the first pass, and the directory renamed to `dest` on success.
 * Any failure removes the temp directory: nothing is left behind.
 *
 * Extracted files are owned by the caller (ownership, ACLs, xattrs and file
 * flags are not restored); mode bits are restored without setuid, setgid and
 * sticky, directories get at least u+rwx and files u+r; mtimes are restored.
 *
 * Other errors: -EEXIST dest exists and is not an empty directory; -ENOENT
 * the archive does not exist ("<archive> does not exist.", dkms's exit 2);
 * -EINVAL the file is not an archive libarchive reads or is damaged
 * ("Unable to read <archive>: <libarchive's reason>").
 */
int dkms_tarball_extract(const struct dkms_ctx *ctx, const char *archive, const char *dest);

/* --------------------------------------------------------------- inspect */

struct dkms_tarball_info {
	/* <root>/dkms_main_tree is a directory: a tarball made by mktarball */
	bool has_main_tree;
	/* with has_main_tree: <root>/dkms_source_tree/dkms.conf and
	 * <root>/dkms_binaries_only/dkms.conf when each is a regular file,
	 * else NULL; dkms tries them in this order and takes the first whose
	 * PACKAGE_NAME and PACKAGE_VERSION are set */
	char *source_tree_conf;
	char *binaries_only_conf;
	/* without has_main_tree: the first regular file named dkms.conf
	 * (see below) and its directory, the source root to add; else NULL */
	char *plain_conf;
	char *plain_source_dir;
	/* "<k>/<arch>" for each directory dkms_main_tree/<k>/<arch> (dkms:
	 * the glob dkms_main_tree/[*]/[*] when a directory; names starting with "." are
	 * skipped as by the glob; symlinks are not followed), in byte order */
	struct strv kernel_dirs;
};

/*
 * Look at an extracted tree `root` the way dkms's load_tarball does.
 *
 * dkms picks the plain source root with `find <root>/ -name dkms.conf | head
 * -1`, whose order is the file system's readdir order. Here the order is a
 * fixed one find could give: depth first, pre-order; in each directory a
 * regular file "dkms.conf" is taken before any subdirectory is entered, and
 * subdirectories are entered in byte order (hidden ones included, symlinks
 * not followed). So a dkms.conf at a shallower level of the same branch wins,
 * and "a/x/dkms.conf" wins over "b/dkms.conf".
 *
 * Fills *ret (release with dkms_tarball_info_release()) and returns 0, or
 * returns a negative errno if root is not a readable directory, or -EINVAL
 * (said in one "Error!" line) when a dkms_main_tree/<k>/<arch> directory is
 * not a valid name (names.h). It prints nothing else: what is fatal depends
 * on the dkms.conf files, which the caller checks. dkms's messages for the caller:
 *   - no dkms_main_tree and plain_conf NULL: "Tarball does not appear to be a
 *     correctly formed DKMS archive. No dkms.conf found within it." (exit 3);
 *   - dkms_main_tree and no valid conf: "\nMalformed dkms.conf, refusing to
 *     load." on stderr for each file found but invalid, then "No valid
 *     dkms.conf in dkms_source_tree or dkms_binaries_only.\n<archive> is not a
 *     valid DKMS tarball." (exit 7).
 */
int dkms_tarball_inspect(const struct dkms_ctx *ctx, const char *root,
			 struct dkms_tarball_info *ret);
void dkms_tarball_info_release(struct dkms_tarball_info *info);
