/* SPDX-License-Identifier: MIT */
/*
 * migbench's connection to migbenchd: where it is, the token, requests,
 * and what an error reply means as an exit code.
 */
#ifndef MIGBENCH_CONNECTION_H
#define MIGBENCH_CONNECTION_H

#include <stdbool.h>
#include <json-c/json.h>

#include "http_client.h"

#define PROG "migbench"
#define API "/api/v1"

enum { EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3,
       EXIT_NOT_FOUND = 4, EXIT_UNAUTHORIZED = 5 };

/* The daemon's address, and the token once read. */
extern struct http_target target;

/* Do a request; on an error reply print its detail and return the exit code. */
int call(const char *method, const char *path, const char *body, struct http_response *resp);
/* GET path as JSON (*out NULL on failure); 0 or the exit code. */
int get_json(const char *path, struct json_object **out);
/* o as pretty JSON, the API's document as it is, on stdout. */
void print_json(struct json_object *o);
/*
 * GET a listing: with json, print it and leave *page NULL; else *page and
 * the list it holds under key (said, EXIT_FAILED, when it holds none).
 * 0 or the exit code; the caller puts *page.
 */
int get_listing(const char *path, const char *key, bool json, struct json_object **page,
		struct json_object **list);
/* A member as text; "-" when absent or null. */
const char *str(struct json_object *o, const char *key);
/* Append ?name=value (or &...) to path, the value percent-encoded. */
void add_query(char *path, size_t size, const char *name, const char *value);
/*
 * Each --NAME VALUE in argv (names: NULL-terminated, at most 8) into
 * values (defaults kept where not given), then every value as a query
 * parameter of path; optind is left after the options.  0 or EXIT_USAGE.
 */
int query_options(int argc, char **argv, const char *const *names, const char **values,
		  char *path, size_t size);
/* Take every FLAG (before a "--") out of argv; whether there was one. */
bool take_flag(int *argc, char **argv, const char *flag);
/* GET path and print the body as it came; 0 or the exit code. */
int print_body(const char *path);
/* argv[optind] as the ID of a what ("run", "campaign"); 0 or EXIT_USAGE, said. */
int id_arg(int argc, char **argv, const char *what, long long *id);
/* Read the bearer token from file; -1 after saying why. */
int read_token(const char *file);

#endif
