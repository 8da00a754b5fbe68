// SPDX-License-Identifier: MIT
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
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

static bool ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), k = strlen(suffix);

	return n > k && !strcmp(name + n - k, suffix);
}

enum mb_unit mb_metric_unit(const char *metric)
{
	static const struct { const char *suffix; enum mb_unit unit; } suffixes[] = {
		{ "_bytes_per_gib", MB_UNIT_BYTES_PER_GIB }, { "_bytes", MB_UNIT_BYTES },
		{ "_ns", MB_UNIT_NS }, { "_ms", MB_UNIT_MS },
		{ "_mib_s", MB_UNIT_MIB_S }, { "_kib_s", MB_UNIT_KIB_S },
	};

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (ends_with(metric, suffixes[i].suffix))
			return suffixes[i].unit;
	return MB_UNIT_COUNT;
}

const char *mb_unit_name(enum mb_unit u)
{
	static const char *const names[] = {
		[MB_UNIT_COUNT] = "", [MB_UNIT_NS] = "ns", [MB_UNIT_MS] = "ms",
		[MB_UNIT_BYTES] = "bytes", [MB_UNIT_BYTES_PER_GIB] = "bytes/GiB",
		[MB_UNIT_MIB_S] = "MiB/s", [MB_UNIT_KIB_S] = "KiB/s",
	};

	return u <= MB_UNIT_KIB_S ? names[u] : "";
}

void mb_format_metric(const char *metric, double v, char *out, size_t len)
{
	struct scale { double per; const char *name; };
	static const struct scale times[] = {
		{ 1e9, "s" }, { 1e6, "ms" }, { 1e3, "us" }, { 1, "ns" }, { 0, NULL },
	}, bytes[] = {
		{ 1073741824.0, "GiB" }, { 1048576.0, "MiB" }, { 1024.0, "KiB" }, { 1, "B" }, { 0, NULL },
	}, rates[] = {
		{ 1024.0, "GiB/s" }, { 1, "MiB/s" }, { 1.0 / 1024, "KiB/s" }, { 0, NULL },
	};
	enum mb_unit u = mb_metric_unit(metric);
	const struct scale *s = times;
	const char *per = "";

	if (!isfinite(v)) {
		snprintf(out, len, "-");
		return;
	}
	switch (u) {
	case MB_UNIT_COUNT:
		snprintf(out, len, "%.0f", v);
		return;
	case MB_UNIT_MS:
		v *= 1e6;
		break;
	case MB_UNIT_NS:
		break;
	case MB_UNIT_BYTES_PER_GIB:
		per = "/GiB";
		/* fall through */
	case MB_UNIT_BYTES:
		s = bytes;
		break;
	case MB_UNIT_KIB_S:
		v /= 1024;
		/* fall through */
	case MB_UNIT_MIB_S:
		s = rates;
		break;
	}
	for (; s->name; s++) {
		if (fabs(v) >= s->per || !s[1].name) {
			double x = v / s->per;

			snprintf(out, len, fabs(x) >= 100 ? "%.0f%s%s" : fabs(x) >= 10 ? "%.1f%s%s" : "%.2f%s%s",
				 x, s->name, per);
			return;
		}
	}
}
