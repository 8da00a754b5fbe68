/* SPDX-License-Identifier: MIT */
/* GET /engines: each kind of run, its spec keys and what its reports lead with. */
#ifndef MIGBENCH_API_ENGINES_H
#define MIGBENCH_API_ENGINES_H

#include <stdint.h>

#include "http/request.h"

enum MHD_Result api_engines(struct http_request *r, int64_t id);

#endif
