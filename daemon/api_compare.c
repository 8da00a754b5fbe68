// SPDX-License-Identifier: MIT
/* GET /compare: two groups of runs side by side, in the format asked for. */
#include "api.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compare.h"
#include "compare_report.h"

static bool is_selector_text(const char *s, size_t max)
{
	if (!*s || strlen(s) > max)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

enum MHD_Result api_compare(struct http_request *r, int64_t unused)
{
	static const char *const allowed[] = { "base", "new", "format", "alpha", "vary", NULL };
	static const char *const formats[] = { "json", "text", "markdown", "csv", NULL };
	struct compare_request req = { .alpha = 0.05 };
	const char *format = http_query(r, "format"), *alpha = http_query(r, "alpha");
	const char *field = NULL;
	struct app *app = r->app;
	struct json_object *model;
	enum MHD_Result reply;
	char err[512], *text;
	bool known = false;
	size_t len;

	(void)unused;
	if (!api_check_query(r, allowed, &reply))
		return reply;
	req.base = http_query(r, "base");
	req.new = http_query(r, "new");
	req.vary = http_query(r, "vary");
	if (!req.base || !is_selector_text(req.base, 512))
		return http_reply_problem(r, 400, "base",
			"base: name the base runs: a label, label:L, kernel:RELEASE, tag:KEY=VALUE or runs:1,2,3");
	if (!req.new || !is_selector_text(req.new, 512))
		return http_reply_problem(r, 400, "new",
			"new: name the new runs: a label, label:L, kernel:RELEASE, tag:KEY=VALUE or runs:1,2,3");
	if (req.vary && !is_selector_text(req.vary, 256))
		return http_reply_problem(r, 400, "vary", "vary: a comma-separated list of keys");
	if (alpha) {
		char *end;

		req.alpha = strtod(alpha, &end);
		if (*end || !isfinite(req.alpha) || req.alpha <= 0 || req.alpha > 0.5)
			return http_reply_problem(r, 400, "alpha",
						  "alpha: must be a number above 0 and at most 0.5");
	}
	format = format ? format : "json";
	for (const char *const *f = formats; *f; f++)
		known |= !strcmp(*f, format);
	if (!known)
		return http_reply_problem(r, 400, "format",
					  "format: must be json, text, markdown or csv");
	model = compare_build(app->st, &req, err, sizeof(err), &field);
	if (!model)
		return http_reply_problem(r, 400, field, "%s", err);
	text = compare_report(model, format, &len);
	json_object_put(model);
	if (!text)
		return http_reply_problem(r, 500, NULL, "the report could not be written");
	return http_reply(r, 200, compare_report_type(format), text, len, true, NULL);
}
