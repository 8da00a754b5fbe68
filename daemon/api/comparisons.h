/* SPDX-License-Identifier: MIT */
/* GET /compare, and the store's runs as every comparison reads them. */
#ifndef MIGBENCH_API_COMPARISONS_H
#define MIGBENCH_API_COMPARISONS_H

#include <stdbool.h>
#include <stdint.h>

#include "api/app.h"
#include "http/request.h"

enum MHD_Result api_compare(struct http_request *r, int64_t id);
struct app;
struct compare_source;
struct compare_request;
/* The store's runs, as comparisons read them (ctx: the store). */
void api_compare_source(struct app *app, struct compare_source *src);
/*
 * A report's parameters, format (json, text, markdown, csv), alpha and
 * vary, into req and *format; false with the 400 sent in *reply.
 */
bool api_compare_params(struct http_request *r, struct compare_request *req,
			const char **format, enum MHD_Result *reply);

#endif
