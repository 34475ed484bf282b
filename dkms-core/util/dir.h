/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <dirent.h>

#include "util/macro.h"

/* _cleanup_(closedirp) DIR *d = opendir(dir); closed when d leaves scope. */
DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)
