/* SPDX-License-Identifier: MIT */
/* GET /health, /host, /kernels, /metrics, /openapi.json. */
#ifndef MIGBENCH_API_HOST_H
#define MIGBENCH_API_HOST_H

#include <stdint.h>

#include "http/request.h"

enum MHD_Result api_health(struct http_request *r, int64_t id);
enum MHD_Result api_host(struct http_request *r, int64_t id);
enum MHD_Result api_kernels(struct http_request *r, int64_t id);
enum MHD_Result api_metrics(struct http_request *r, int64_t id);
enum MHD_Result api_openapi(struct http_request *r, int64_t id);

#endif
