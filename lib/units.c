// SPDX-License-Identifier: MIT
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int mb_parse_size(const char *s, uint64_t *out)
{
	static const char suffixes[] = "KMGT";
	uint64_t value = 0, mult = 1;
	const char *p = s;

	if (!s || !isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (value > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		value = value * 10 + (uint64_t)(*p - '0');
	}
	if (*p) {
		const char *sfx = strchr(suffixes, toupper((unsigned char)*p));

		if (!sfx)
			return -EINVAL;
		mult = 1ULL << (10 * (sfx - suffixes + 1));
		p++;
		if (!strcasecmp(p, "iB") || !strcasecmp(p, "B"))
			p += strlen(p);
		if (*p)
			return -EINVAL;
	}
	if (value > UINT64_MAX / mult)
		return -ERANGE;
	*out = value * mult;
	return 0;
}

void mb_format_size(uint64_t bytes, char *buf, unsigned long len)
{
	static const char suffixes[] = "TGMK";

	for (int i = 0; i < 4; i++) {
		uint64_t unit = 1ULL << (10 * (4 - i));

		if (bytes && bytes % unit == 0) {
			snprintf(buf, len, "%llu%c",
				 (unsigned long long)(bytes / unit),
				 suffixes[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)bytes);
}

int mb_text_u64(const char *key, const char *text, uint64_t *out, struct mb_error *err)
{
	char *end;

	if (*text < '0' || *text > '9')
		return mb_fail(err, key, "must be a non-negative integer, got \"%.40s\"", text);
	errno = 0;
	*out = strtoull(text, &end, 10);
	if (errno == ERANGE)
		return mb_fail(err, key, "\"%.40s\" is too large", text);
	if (*end)
		return mb_fail(err, key, "must be a non-negative integer, got \"%.40s\"", text);
	return 0;
}

int mb_text_bool(const char *key, const char *text, bool *out, struct mb_error *err)
{
	static const char *const yes[] = { "true", "1", "yes", "on" };
	static const char *const no[] = { "false", "0", "no", "off" };

	for (int i = 0; i < 4; i++) {
		if (!strcasecmp(text, yes[i]) || !strcasecmp(text, no[i])) {
			*out = !strcasecmp(text, yes[i]);
			return 0;
		}
	}
	return mb_fail(err, key, "must be true or false, got \"%.40s\"", text);
}
