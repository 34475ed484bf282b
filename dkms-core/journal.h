/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "context.h"
#include "util/strv.h"

/*
 * Intent records of the changes made to a tree, so that the next run can
 * finish or undo one that a crash interrupted. One record per transaction,
 * <dkms_tree>/.journal/<time>-<pid>: "key=value" lines (values escaped so
 * that a record is always one line per field), written to a temp file,
 * fsynced, renamed into place and the directory fsynced before the first
 * change is made; removed (the directory fsynced again, and removed when
 * empty) once the transaction is complete. Who reads the fields and what
 * they mean: initrd/transaction.h.
 */
struct journal {
	char *path;       /* the record, once written */
	struct strv lines; /* "key=value", values unescaped */
};

#define JOURNAL_INIT { NULL, STRV_INIT }

/* Replace the first field key (or add it); add one more field key. */
void journal_set(struct journal *j, const char *key, const char *value);
void journal_add(struct journal *j, const char *key, const char *value);
/* The first value of key, or NULL; every value of key. */
const char *journal_get(const struct journal *j, const char *key);
void journal_get_all(const struct journal *j, const char *key, struct strv *ret);

/*
 * Write the record (made on its first write, replaced after). step names
 * the fail point passed once it is durable. 0, -ENOENT when the tree does
 * not exist, or -errno.
 */
int journal_write(const struct dkms_ctx *ctx, struct journal *j, const char *step);
/* The transaction is complete: remove the record. 0 or -errno. */
int journal_end(const struct dkms_ctx *ctx, struct journal *j);
void journal_release(struct journal *j);

/* The records of the tree, oldest first. 0 or -errno. */
int journal_list(const struct dkms_ctx *ctx, struct strv *ret);
/* Read one record (path kept in j->path). 0, -EBADMSG or -errno. */
int journal_load(const char *path, struct journal *j);
/* Any record in the tree (or a temp file a killed write left). */
bool journal_pending(const struct dkms_ctx *ctx);
