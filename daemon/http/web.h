/* SPDX-License-Identifier: MIT */
/*
 * The dashboards: the files of web/, built into migbenchd, served at /
 * with a Content-Security-Policy of default-src 'self' (nothing is loaded
 * from anywhere else).
 */
#ifndef MIGBENCH_WEB_H
#define MIGBENCH_WEB_H

#include "http/request.h"

enum MHD_Result web_serve(struct http_request *r);

#endif
