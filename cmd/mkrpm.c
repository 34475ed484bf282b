// SPDX-License-Identifier: GPL-2.0-or-later
#include "cmd.h"

/* Placeholder until the action lands; see the issue that asks for it. */
int cmd_mkrpm(struct cmd *c)
{
	dkms_error(&c->ctx, "mkrpm is not implemented yet.");
	return 1;
}
