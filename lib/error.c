// SPDX-License-Identifier: MIT
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

int mb_error_set(struct mb_error *err, int ret, const char *field,
		 const char *fmt, ...)
{
	char what[sizeof(err->message) - 64];
	va_list ap;

	if (!err)
		return ret;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!field)
		field = "";
	err->code = ret;
	snprintf(err->field, sizeof(err->field), "%s", field);
	if (*field)
		snprintf(err->message, sizeof(err->message), "%s: %s", field, what);
	else
		snprintf(err->message, sizeof(err->message), "%s", what);
	return ret;
}
