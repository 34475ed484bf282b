// SPDX-License-Identifier: GPL-2.0-or-later
#include "cmd.h"

/* Placeholders until the actions land; see the issue that asks for them. */
int cmd_mkbmdeb(struct cmd *c)
{
	dkms_error(&c->ctx, "mkbmdeb is not implemented yet.");
	return 1;
}

int cmd_mkdeb(struct cmd *c)
{
	dkms_error(&c->ctx, "mkdeb is not implemented yet.");
	return 1;
}
