// SPDX-License-Identifier: MIT

#include "campaign/campaign.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign/campaign_spec.h"
#include "campaign/hostboot.h"
#include "store/campaigns.h"
#include "store/store.h"
#include "strict_json.h"

struct campaigns {
	struct store *st;
	const struct campaign_policy *policy;
	struct hostboot boot;
	bool rebooting;		/* systemd is taking the host down: do nothing more */
};

/* The active campaign's stored spec, parsed; NULL when none is active. */
struct active {
	int64_t id;
	char state[16];
	struct json_object *spec;
};

static int load_active(struct campaigns *c, struct active *a)
{
	char *text = NULL, why[128];
	int ret;

	memset(a, 0, sizeof(*a));
	ret = store_campaign_active(c->st, &a->id, &text, a->state, sizeof(a->state));
	if (!ret && a->id && mb_json_parse(text, strlen(text), &a->spec, why, sizeof(why)))
		ret = -EINVAL;
	free(text);
	return ret;
}

static struct json_object *spec_item(struct json_object *spec, const char *list, int i)
{
	struct json_object *arr = NULL;

	json_object_object_get_ex(spec, list, &arr);
	return json_object_array_get_idx(arr, (size_t)i);
}

static const char *item_text(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static int item_int(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int(v) : 0;
}

static void event(struct campaigns *c, const struct store_step *s, int64_t cid,
		  const char *kind, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void event(struct campaigns *c, const struct store_step *s, int64_t cid,
		  const char *kind, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s)
		fprintf(stderr, "migbenchd: campaign %lld, step %d: %s\n", (long long)cid, s->seq, msg);
	else
		fprintf(stderr, "migbenchd: campaign %lld: %s\n", (long long)cid, msg);
	if (store_campaign_event(c->st, cid, s ? s->id : 0, kind, msg))
		fprintf(stderr, "migbenchd: campaign %lld: the event could not be stored\n",
			(long long)cid);
}

static void finish(struct campaigns *c, int64_t cid, const char *state, const char *reason)
{
	if (store_campaign_set_state(c->st, cid, state, reason))
		fprintf(stderr, "migbenchd: campaign %lld: cannot record its end (%s)\n",
			(long long)cid, state);
	event(c, NULL, cid, state, "%s%s%s", state, reason ? ": " : "", reason ? reason : "");
}

/* What came up, in words, for a step that expected something else. */
static void describe_boot(const struct hostboot *b, char *out, size_t len)
{
	snprintf(out, len, "%s (%s) %s%s", b->release, b->version,
		 b->token[0] ? "with " : "without a migbench.step token",
		 b->token[0] ? b->token : "");
}

/* A step found 'booting' at start-up: did its boot come up? */
static void settle_booting(struct campaigns *c, struct active *a, struct store_step *s)
{
	const struct hostboot *b = &c->boot;
	char seen[512];

	if (!strcmp(b->boot_id, s->booted_from)) {
		strcpy(s->state, "boot-failed");
		store_step_update(c->st, s, "migbenchd restarted before the host rebooted into it");
		event(c, s, a->id, "boot-failed", "the host did not reboot (same boot %s)",
		      b->boot_id);
		return;
	}
	describe_boot(b, seen, sizeof(seen));
	if (!strcmp(b->token, s->token) && !strcmp(b->release, s->expect_release) &&
	    !strcmp(b->version, s->expect_version)) {
		strcpy(s->state, "running");
		snprintf(s->boot_id, sizeof(s->boot_id), "%s", b->boot_id);
		store_step_update(c->st, s, NULL);
		event(c, s, a->id, "booted", "booted %s, boot %s", seen, b->boot_id);
		return;
	}
	strcpy(s->state, "boot-failed");
	{
		char reason[1400];

		snprintf(reason, sizeof(reason), "came up in %s, expected %s (%s) with %s",
			 seen, s->expect_release, s->expect_version, s->token);
		store_step_update(c->st, s, reason);
		event(c, s, a->id, "boot-failed", "%s (attempt %d)", reason, s->attempts);
	}
}

/* A step found 'running' at start-up: migbenchd or the whole host restarted. */
static void settle_running(struct campaigns *c, struct active *a, struct store_step *s)
{
	const struct hostboot *b = &c->boot;
	char seen[512];

	s->restarts++;
	if (!strcmp(b->boot_id, s->boot_id)) {
		store_step_update(c->st, s, NULL);
		event(c, s, a->id, "restarted", "migbenchd restarted during the step (same boot): "
		      "interrupted runs are made again, done runs are kept");
		return;
	}
	describe_boot(b, seen, sizeof(seen));
	strcpy(s->state, "pending");
	s->boot_id[0] = '\0';
	store_step_update(c->st, s, NULL);
	event(c, s, a->id, "restarted", "the host restarted during the step and came up in %s: "
	      "the step's kernel is booted again; done runs are kept", seen);
}

int campaigns_open(struct store *st, const struct campaign_policy *policy,
		   struct campaigns **out)
{
	struct campaigns *c = calloc(1, sizeof(*c));
	struct store_step s;
	struct active a;
	int ret;

	if (!c)
		return -ENOMEM;
	c->st = st;
	c->policy = policy;
	ret = hostboot_read(&c->boot);
	if (ret) {
		free(c);
		return ret;
	}
	*out = c;
	if (load_active(c, &a) || !a.id)
		return 0;
	if (!store_campaign_next_step(st, a.id, &s)) {
		if (!strcmp(s.state, "booting"))
			settle_booting(c, &a, &s);
		else if (!strcmp(s.state, "running"))
			settle_running(c, &a, &s);
	}
	json_object_put(a.spec);
	return 0;
}

void campaigns_close(struct campaigns *c)
{
	free(c);
}

const struct hostboot *campaigns_boot(const struct campaigns *c)
{
	return &c->boot;
}

/* The tags of a step's runs: the run's, the kernel's, and where they come from. */
static char *run_tags(struct json_object *kernel, struct json_object *request, int64_t cid,
		      const struct store_step *s)
{
	struct json_object *tags = json_object_new_object(), *t;
	char v[32];
	char *text;

	if (json_object_object_get_ex(request, "tags", &t)) {
		json_object_object_foreach(t, key, value)
			json_object_object_add(tags, key, json_object_get(value));
	}
	if (json_object_object_get_ex(kernel, "tags", &t)) {
		json_object_object_foreach(t, key, value)
			json_object_object_add(tags, key, json_object_get(value));
	}
	snprintf(v, sizeof(v), "%lld", (long long)cid);
	json_object_object_add(tags, "campaign", json_object_new_string(v));
	snprintf(v, sizeof(v), "%d", s->seq);
	json_object_object_add(tags, "campaign_step", json_object_new_string(v));
	snprintf(v, sizeof(v), "%d", s->round);
	json_object_object_add(tags, "campaign_round", json_object_new_string(v));
	text = strdup(json_object_to_json_string_ext(tags, JSON_C_TO_STRING_PLAIN));
	json_object_put(tags);
	return text;
}

/*
 * Queue what the step still lacks of each request (its interrupted runs
 * are made again, nothing done is repeated); *done when every request
 * has its runs and none is pending.
 */
static int ensure_runs(struct campaigns *c, struct active *a, struct store_step *s, bool *done)
{
	struct json_object *kernel = spec_item(a->spec, "kernels", s->kernel), *runs = NULL;
	int ret = 0;

	*done = true;
	json_object_object_get_ex(a->spec, "runs", &runs);
	for (int i = 0; !ret && i < (int)json_object_array_length(runs); i++) {
		struct json_object *req = json_object_array_get_idx(runs, i), *spec = NULL;
		unsigned int kept, pending, interrupted, want = (unsigned int)item_int(req, "repeat");
		char *tags;

		ret = store_step_run_counts(c->st, s->id, i, &kept, &pending, &interrupted);
		if (ret)
			break;
		if (pending || kept < want)
			*done = false;
		if (kept >= want)
			continue;
		tags = run_tags(kernel, req, a->id, s);
		json_object_object_get_ex(req, "spec", &spec);
		ret = tags ? store_step_runs_create(c->st, s->id, i, item_text(req, "kind"),
				json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN),
				item_text(kernel, "label"), tags, want - kept, NULL) : -ENOMEM;
		free(tags);
		if (!ret)
			event(c, s, a->id, "queued", "%u run(s) of request %d queued%s", want - kept,
			      i, interrupted ? " (again: interrupted before)" : "");
	}
	return ret;
}

/* Record the boot about to happen, then kexec into the step's kernel. */
static void boot_step(struct campaigns *c, struct active *a, struct store_step *s)
{
	struct json_object *kernel = spec_item(a->spec, "kernels", s->kernel);
	char cmdline[HOSTBOOT_MAX_CMDLINE + 128], why[512];
	struct mb_error err = { 0 };
	int kfd, ifd, ret;

	ret = campaign_spec_open_kernel(kernel, c->policy, &kfd, &ifd, s->expect_release,
					sizeof(s->expect_release), s->expect_version,
					sizeof(s->expect_version), &err);
	if (ret) {
		snprintf(why, sizeof(why), "kernel %.64s: %.64s: %.300s", item_text(kernel, "label"),
			 err.field, err.message);
		finish(c, a->id, "failed", why);
		return;
	}
	snprintf(s->token, sizeof(s->token), HOSTBOOT_TOKEN_KEY "%lld.%d", (long long)a->id,
		 s->seq);
	snprintf(cmdline, sizeof(cmdline), "%s %s", item_text(kernel, "cmdline"), s->token);
	snprintf(s->booted_from, sizeof(s->booted_from), "%s", c->boot.boot_id);
	s->boot_id[0] = '\0';
	s->attempts++;
	strcpy(s->state, "booting");
	/* written before the boot: the next migbenchd knows what to expect */
	ret = store_step_update(c->st, s, NULL);
	if (ret) {
		close(kfd);
		if (ifd >= 0)
			close(ifd);
		fprintf(stderr, "migbenchd: campaign %lld: cannot record the boot of step %d (%s); "
			"not rebooting\n", (long long)a->id, s->seq, store_strerror(ret));
		return;
	}
	event(c, s, a->id, "booting", "booting %s (%s) by kexec, attempt %d: %s",
	      item_text(kernel, "label"), s->expect_release, s->attempts, cmdline);
	ret = hostboot_kexec(kfd, ifd, cmdline, why, sizeof(why));
	close(kfd);
	if (ifd >= 0)
		close(ifd);
	if (ret) {
		strcpy(s->state, "boot-failed");
		store_step_update(c->st, s, why);
		finish(c, a->id, "failed", why);
		return;
	}
	c->rebooting = true;
}

void campaigns_tick(struct campaigns *c)
{
	struct store_step s;
	struct active a;
	bool done;
	int ret;

	if (c->rebooting || load_active(c, &a) || !a.id)
		return;
	if (!strcmp(a.state, "aborting")) {
		finish(c, a.id, "aborted", "aborted on request");
		goto out;
	}
	ret = store_campaign_next_step(c->st, a.id, &s);
	if (ret == -ENOENT) {
		finish(c, a.id, "done", NULL);
		goto out;
	}
	if (ret)
		goto out;
	if (s.restarts > CAMPAIGN_MAX_RESTARTS) {
		char why[128];

		snprintf(why, sizeof(why), "step %d was interrupted %d times", s.seq, s.restarts);
		finish(c, a.id, "failed", why);
	} else if (!strcmp(s.state, "running") && !strcmp(s.boot_id, c->boot.boot_id)) {
		if (!ensure_runs(c, &a, &s, &done) && done) {
			strcpy(s.state, "done");
			if (!store_step_update(c->st, &s, NULL))
				event(c, &s, a.id, "done", "step done");
		}
	} else if (!strcmp(s.state, "boot-failed") &&
		   s.attempts >= item_int(a.spec, "boot_attempts") + s.restarts) {
		char why[900];

		snprintf(why, sizeof(why), "step %d (%s) did not boot in %d attempts: %s", s.seq,
			 item_text(spec_item(a.spec, "kernels", s.kernel), "label"), s.attempts,
			 s.reason);
		finish(c, a.id, "failed", why);
	} else if (!strcmp(s.state, "pending") || !strcmp(s.state, "boot-failed") ||
		   !strcmp(s.state, "running")) {
		/* a step that ran in another boot is booted into again */
		boot_step(c, &a, &s);
	}
out:
	json_object_put(a.spec);
}
