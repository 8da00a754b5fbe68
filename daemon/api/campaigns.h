/* SPDX-License-Identifier: MIT */
/* POST/GET /campaigns, GET /campaigns/{id}, its abort and its report. */
#ifndef MIGBENCH_API_CAMPAIGNS_H
#define MIGBENCH_API_CAMPAIGNS_H

#include <stdint.h>

#include "http/request.h"

enum MHD_Result api_campaigns_create(struct http_request *r, int64_t id);
enum MHD_Result api_campaigns_list(struct http_request *r, int64_t id);
enum MHD_Result api_campaign_get(struct http_request *r, int64_t id);
enum MHD_Result api_campaign_abort(struct http_request *r, int64_t id);
enum MHD_Result api_campaign_report(struct http_request *r, int64_t id);

#endif
