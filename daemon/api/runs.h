/* SPDX-License-Identifier: MIT */
/* POST/GET /runs, GET /runs/{id}, /runs/{id}/samples, /runs/{id}/cancel. */
#ifndef MIGBENCH_API_RUNS_H
#define MIGBENCH_API_RUNS_H

#include <stdint.h>

#include "http/request.h"

enum MHD_Result api_runs_create(struct http_request *r, int64_t id);
enum MHD_Result api_runs_list(struct http_request *r, int64_t id);
enum MHD_Result api_run_get(struct http_request *r, int64_t id);
enum MHD_Result api_run_samples(struct http_request *r, int64_t id);
enum MHD_Result api_run_cancel(struct http_request *r, int64_t id);

#endif
