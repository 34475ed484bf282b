/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/*
 * The one rule for names and paths that come from a package (dkms.conf, a
 * tarball) or from the command line. They become path components under the
 * trees and words in generated files and commands, so they must never mean
 * more than one component or one word.
 *
 * A name (NAME_WORD): PACKAGE_NAME, PACKAGE_VERSION, BUILT_MODULE_NAME,
 * DEST_MODULE_NAME, the module and version arguments, a kernel release, an
 * arch, the <kernel>/<arch> directories of a tarball:
 *   - 1 to NAME_MAX_LEN bytes out of NAME_CHARS (ASCII letters, digits and
 *     . _ + - ~ : @), which covers what real packages and kernels use
 *     (1.2.3-4+deb12u1, 0.9~rc1, 2.0_beta:1, 6.1.0-57-amd64,
 *     5.14.0-362.el9.x86_64, nvidia-current, r8168);
 *   - not "." or "..", not starting with '-' (an option to the program it is
 *     given to) or '~' (a shell's home directory).
 * So no '/', NUL, control character, white space, non-ASCII byte or shell
 * metacharacter (; & | < > ( ) $ ` " ' \ * ? [ ] { } ! # % = , ...).
 *
 * A relative location (NAME_LOCATION): BUILT_MODULE_LOCATION ("src/", "./",
 * "drivers/net/"), PATCH ("fix.patch", "debian/fix.patch"): names as above
 * joined by single '/', one trailing '/' allowed, "." components allowed (they
 * stay in place), no leading '/', no ".." and no empty component ("a//b").
 *
 * A module directory (NAME_DEST): DEST_MODULE_LOCATION as written and after
 * the distribution's override ("/kernel/drivers/net", "/updates/dkms",
 * "/extra/"): a leading '/', then a relative location as above.
 *
 * The checks are string checks; every path built from these names is also
 * opened beneath its tree (util/beneath.h), so a symlink planted inside a
 * tree cannot lead a write or a delete outside it.
 */

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-~:@"
#define NAME_MAX_LEN 255
#define NAME_PATH_MAX 4095
/* room for the longest reason name_check gives */
#define NAME_REASON_MAX 64

enum name_kind {
	NAME_WORD,
	NAME_LOCATION,
	NAME_DEST,
};

/*
 * NULL when s is valid as kind, else why not, written into reason (e.g.
 * "'/' is not allowed", "a '..' component is not allowed", "it is empty").
 */
const char *name_check(enum name_kind kind, const char *s, char reason[NAME_REASON_MAX]);
bool name_valid(enum name_kind kind, const char *s);

/*
 * s as one printable line for a message: control characters, non-ASCII
 * bytes, '"' and '\' C-escaped. Allocated.
 */
char *name_escape(const char *s);
