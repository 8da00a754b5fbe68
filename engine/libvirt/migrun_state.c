// SPDX-License-Identifier: MIT
#include "migrun_state.h"

#include <stdarg.h>
#include <stdio.h>

enum mb_run_status migrun_fail(struct migrun *r, enum mb_run_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->res->error.message, sizeof(r->res->error.message), fmt, ap);
	va_end(ap);
	return st;
}

void migrun_progress(struct migrun *r, const char *msg)
{
	if (r->opts->progress)
		r->opts->progress(r->opts->progress_ctx, msg);
}

bool migrun_stopped(struct migrun *r)
{
	return r->opts->stop && *r->opts->stop;
}
