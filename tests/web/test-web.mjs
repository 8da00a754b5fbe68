// SPDX-License-Identifier: MIT
// The dashboards in Debian's Chromium, driven by playwright-core.  Prints
// one JSON line per check for test-web.py; screenshots go to ARTIFACTS.
// usage: node test-web.mjs URL ARTIFACTS RUNS-JSON RELEASE TOKEN-URL TOKEN MIGRATIONS-JSON URL-TOKEN
//                           STAND-IN-URL STAND-INS-JSON CAMPAIGN-URL CAMPAIGN-TOKEN CAMPAIGNS-JSON
//                           SWEEPS-JSON ZAP-RUN
// MIGRATIONS-JSON: {"traced": id, "untraced": id} of real migrations, {} when
// this host cannot run them; STAND-INS-JSON: {"phases": id, "old": id} of
// runs made by tests/migration-standin.py, the first with phases and
// the guest's progress, the second without; CAMPAIGNS-JSON: what
// tests/campaign_store.py wrote into the store of the daemon at CAMPAIGN-URL;
// SWEEPS-JSON: {"base": id, "new": id, "new_vcpus1": [run ids]} of two sweeps
// of vcpus 1 and 2 made at URL.
// ZAP-RUN: a dirty-log run at URL through every zap step.
import { chromium } from 'playwright-core';
import { checkCampaignViews } from './campaign-view.mjs';
import { checkDirtylogView } from './dirtylog-view.mjs';
import { checkCompareLayout, checkHostLayout, checkRunLayout } from './layout.mjs';
import { checkMigrationView } from './migration-view.mjs';
import { checkSweepView } from './sweep-view.mjs';

const [url, artifacts, runsJson, release, tokenUrl, token, migrationsJson, urlToken,
       standinUrl, standinsJson, campaignUrl, campaignToken, campaignsJson, sweepsJson,
       zapRun] = process.argv.slice(2);
const runs = JSON.parse(runsJson);
const migrations = JSON.parse(migrationsJson), standins = JSON.parse(standinsJson);
const check = (ok, desc, detail) => console.log(JSON.stringify({ ok: !!ok, desc, detail: detail || '' }));

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	       '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];

async function openPage(base) {
	const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
	page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
	page.on('pageerror', e => errors.push(String(e)));
	page.base = base;
	return page;
}

async function visit(page, hash, selector, name) {
	errors.length = 0;
	await page.goto('about:blank');	// a fresh load, even for the same hash
	await page.goto(page.base + '/#' + hash);
	await page.waitForSelector(selector, { timeout: 30000 });
	await page.waitForTimeout(300);	// let charts draw
	await page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });
	check(errors.length === 0, `${name} view loads with no console errors`, errors.join('; '));
	const text = await page.textContent('main');
	check(!/undefined|NaN/.test(text), `${name} view shows no "undefined" or "NaN"`,
	      (text.match(/.{0,60}(undefined|NaN).{0,60}/) || [''])[0]);
}

// Every chart on the page drawn with data: no empty or broken canvas.
async function paintedCanvases(page) {
	return page.$$eval('.uplot canvas', canvases => canvases.map(c => {
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
		return n;
	}));
}

// A time in ns as the dashboards write it (3 significant digits and its unit), written out here.
function fmtNsText(v) {
	const [scale, unit] = v >= 1e9 ? [1e9, 's'] : v >= 1e6 ? [1e6, 'ms'] : v >= 1e3 ? [1e3, 'µs'] : [1, 'ns'];
	return String(Number((v / scale).toPrecision(3))) + ' ' + unit;
}

const api = async (base, path) => (await fetch(base + '/api/v1' + path)).json();

// The runs list describes each run's spec by its kind, from the spec's own values.
async function checkSpecCells(page, base, ids, name) {
	for (const id of ids) {
		const run = await api(base, `/runs/${id}`), s = run.resolved_spec || run.spec;
		const cell = await page.textContent(`tr[data-run="${id}"] td.spec`);
		const want = run.kind === 'migration' ?
			[`migration ${s.vcpus} vCPU ${s.memory} ${s.backing} → ${s.destination}`,
			 s.rate_mib_s ? `rate ${s.rate_mib_s} MiB/s` : null, s.trace === false ? 'not traced' : null] :
			[`dirtylog ${s.vcpus} x ${s.mem_per_vcpu} ${s.backing}`, `${s.iterations} iteration`];
		check(cell.startsWith(want[0]) && want.every(w => w === null || cell.includes(w)),
		      `${name}: run ${id} (${run.kind}) is described by its own spec keys`, `"${cell}", wanted ${want}`);
	}
}

// dirty_log_perf_test's command line for the keys these runs set, written
// out from the selftest's flags (test-selftest.c covers every key).
function selftestLine(s) {
	const backings = { thp: 'anonymous_thp', 'hugetlb-2m': 'anonymous_hugetlb_2mb',
			   'hugetlb-1g': 'anonymous_hugetlb_1gb', shmem: 'shmem' };
	return ['dirty_log_perf_test', s.vcpus !== 1 && `-v ${s.vcpus}`, s.mem_per_vcpu !== '1G' && `-b ${s.mem_per_vcpu}`,
		backings[s.backing] && `-s ${backings[s.backing]}`, s.iterations !== 2 && `-i ${s.iterations}`]
		.filter(Boolean).join(' ');
}

// The run view's command lines: migbench's, and the selftest's or why none.
async function checkCommands(page, base, id, name) {
	const run = await api(base, `/runs/${id}`), s = run.resolved_spec || run.spec;
	const command = await page.textContent('[data-testid=command]');
	const selftest = await page.textContent('[data-testid=selftest]');
	check(command === 'migbench: ' + run.command && run.command.startsWith('migbench-dirtylog'),
	      `${name}: the run view shows migbench's command line`, command);
	return { run, spec: s, selftest };
}

try {
	const page = await openPage(url);

	await visit(page, '/runs', 'table[data-testid=runs] tbody tr', 'runs');
	const listed = await page.$$eval('tr[data-run]', rows => rows.map(r => Number(r.dataset.run)));
	check(runs.every(id => listed.includes(id)), 'runs view lists the runs created through the API',
	      `listed ${listed}`);
	await checkSpecCells(page, url, [runs[0], ...Object.values(migrations)], 'runs view');

	// Queued and running runs update in place, without a reload.
	const live = await (await fetch(`${url}/api/v1/runs`, { method: 'POST',
		headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + urlToken },
		body: JSON.stringify({ vcpus: 1, mem_per_vcpu: '8M', iterations: 60, label: 'live',
				       tags: { series: 'v3', 'base-commit': 'abc123' } }) })).json();
	await visit(page, '/runs', `tr[data-run="${live.id}"]`, 'runs-live');
	const first = await page.getAttribute(`tr[data-run="${live.id}"] td[data-state]`, 'data-state');
	await page.waitForSelector(`tr[data-run="${live.id}"] td[data-state=done]`, { timeout: 120000 });
	check(['queued', 'running'].includes(first), 'a queued or running run turns done in the runs view live',
	      `first seen ${first}`);
	{
		// a done run: its duration and headline median, not its progress; its tags as text
		const row = (await api(url, '/runs?limit=100')).runs.find(r => r.id === live.id);
		const run = await api(url, `/runs/${live.id}`);
		const cell = async c => (await page.textContent(`tr[data-run="${live.id}"] td.${c}`)).trim();
		const secs = (Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000;
		const median = run.summary.clear_dirty_log_ns.median;
		check(row.duration_s === secs && /^\d+(\.\d+)? (ms|s)$|^\d+ min \d\d s$/.test(await cell('duration')),
		      'runs view: a done run shows its duration', `${await cell('duration')} for ${secs} s`);
		check(row.headline.metric === 'clear_dirty_log_ns' && row.headline.median === median &&
		      await cell('headline') === 'clear_dirty_log_ns ' + fmtNsText(median),
		      'runs view: a done run shows its headline median with its unit', await cell('headline'));
		check(await cell('progress') === '' && await cell('tags') === 'series=v3, base-commit=abc123',
		      'runs view: no progress line for a done run, and its tags as text',
		      `progress "${await cell('progress')}", tags "${await cell('tags')}"`);
	}

	await visit(page, `/run/${runs[0]}`, '.uplot canvas', 'run');
	const painted = await paintedCanvases(page);
	check(painted.length >= 3 && painted.every(n => n > 200),
	      'run view draws its per-iteration plots with data', `painted pixels ${painted}`);
	check(/\d/.test(await page.textContent('[data-testid=zap]')), 'run view shows the zap time');
	check(await page.$('[data-testid=not-measured]') === null, 'a run that measured everything lists nothing as not measured');
	{
		const { run, spec, selftest } = await checkCommands(page, url, runs[0], 'run view');
		check(selftest === 'kernel selftest: ' + selftestLine(spec) && run.selftest.command === selftestLine(spec),
		      'run view shows the dirty_log_perf_test command line for its spec', `${selftest}; spec ${JSON.stringify(spec)}`);
		const rows = await page.$$eval('[data-testid=summary] tr[data-metric]', trs =>
			trs.map(tr => [tr.dataset.metric, tr.children[1].textContent]));
		const lead = rows.map(r => r[0]).slice(0, 2);
		check((lead[0] === 'clear_dirty_log_ns' || (lead[0] === 'get_dirty_log_ns' && !run.summary.clear_dirty_log_ns)) &&
		      lead[1] === 'disable_dirty_log_ns' && rows.every(([m, what]) => what && what === run.metric_labels[m]),
		      'run view summary: clearing (or getting) the dirty log, then disabling it, first; each metric with its label',
		      JSON.stringify(rows));
	}
	await checkDirtylogView(page, url, runs[0], 'run view', check);
	await checkRunLayout(page, url, runs[0], 'run view', check);
	await visit(page, `/run/${zapRun}`, '[data-testid=dirtylog-facts]', 'run-zap-steps');
	await checkDirtylogView(page, url, Number(zapRun), 'run view of every zap step', check);
	await checkRunLayout(page, url, Number(zapRun), 'run view of every zap step on 2MiB pages', check);

	for (const [what, id] of Object.entries(migrations)) {
		const run = await api(url, `/runs/${id}`);
		await visit(page, `/run/${id}`, '.uplot canvas', `run-migration-${what}`);
		const titles = await page.$$eval('.plot h3', hs => hs.map(h => h.textContent));
		const drawn = await paintedCanvases(page);
		check(titles.some(t => t.startsWith('Migration: memory remaining')) && drawn.every(n => n > 200) &&
		      (what === 'untraced' || titles.some(t => t.startsWith('QEMU KVM_'))),
		      `the ${what} migration shows its job statistics${what === 'traced' ? ' and traced ioctls' : ''}, ` +
		      'every chart drawn', `${titles.join('; ')}; painted ${drawn}`);
		check((await page.textContent('[data-testid=spec-description]')).startsWith(
			`migration ${run.spec.vcpus} vCPU ${run.spec.memory} ${run.spec.backing} → local`),
		      `the ${what} migration's view describes its spec`);
		const listedGaps = await page.$$eval('[data-testid=not-measured] li', lis =>
			Object.fromEntries(lis.map(li => [li.dataset.metric, li.textContent])));
		const missing = run.missing || {};
		check(Object.keys(listedGaps).sort().join() === Object.keys(missing).sort().join() &&
		      Object.entries(missing).every(([m, why]) => listedGaps[m] === `${m}: ${why}`),
		      `the ${what} migration's "not measured" list is the run's missing metrics with their reasons`,
		      `listed ${JSON.stringify(listedGaps)}, run ${JSON.stringify(missing)}`);
		if (what === 'untraced')
			check(listedGaps.qemu_clear_dirty_log_ns === 'qemu_clear_dirty_log_ns: trace is off in the spec' &&
			      (await page.textContent('[data-testid=zap]')) === 'not measured: trace is off in the spec',
			      'an untraced migration shows its dirty-log ioctls and the zap as not measured, with why');
		await checkMigrationView(page, url, id, `${what} migration`, check);
		await checkRunLayout(page, url, id, `${what} migration's view`, check);
	}

	// runs of the stand-in: one with phases and the guest's progress, one without
	const stand = await openPage(standinUrl);
	await visit(stand, '/runs', 'table[data-testid=runs] tbody tr', 'runs-standin');
	await checkSpecCells(stand, standinUrl, Object.values(standins), 'stand-in runs view');
	await visit(stand, `/run/${standins.phases}`, '[data-testid=guest-plot] canvas', 'run-standin-phases');
	const by = await checkMigrationView(stand, standinUrl, standins.phases, 'stand-in with phases', check);
	check(by.migration_postcopy_ms && by.guest_stall_ms && (await stand.$$('[data-testid=job-plot] li[data-mark]')).length >= 5,
	      'the stand-in run has every phase, iterations and a stall to show');
	check((await paintedCanvases(stand)).every(n => n > 200), 'stand-in with phases: every chart drawn');
	await checkRunLayout(stand, standinUrl, standins.phases, 'stand-in with phases', check);
	await visit(stand, `/run/${standins.old}`, '[data-testid=job-plot] canvas', 'run-standin-old');
	await checkMigrationView(stand, standinUrl, standins.old, 'stand-in without phases', check);
	check((await paintedCanvases(stand)).every(n => n > 200), 'stand-in without phases: every chart drawn');

	const campaigns = await openPage(campaignUrl);
	await checkCampaignViews(campaigns, campaignUrl, campaignToken, JSON.parse(campaignsJson), artifacts, check);
	{
		// a run as a campaign's test host stored it (an aging run on 6.12)
		const aging = JSON.parse(campaignsJson).aging.id;
		await visit(campaigns, `/run/${aging}`, '[data-testid=summary]', 'run-campaign-host');
		await checkRunLayout(campaigns, campaignUrl, aging, "a campaign host's run view", check);
	}
	await campaigns.close();

	await visit(page, '/host', '[data-testid=kernel]', 'host');
	check((await page.textContent('[data-testid=kernel]')).startsWith(release), 'host view shows this kernel');
	await checkHostLayout(page, url, check);

	await visit(page, '/compare?base=base&new=patched', '[data-testid=compare-rows] tr[data-verdict]', 'compare');
	const verdicts = await page.$$eval('tr[data-verdict]', rows => rows.map(r => r.dataset.verdict));
	check(verdicts.length >= 5 && verdicts.every(v => ['improved', 'regressed', 'changed', '~',
		'could not tell', 'not tested'].includes(v)),
	      'compare view shows a verdict row per metric', `verdicts ${verdicts}`);
	check(await page.$$eval('svg.dots circle', c => c.length) >= 10, 'compare view draws the distributions');
	await checkCompareLayout(page, url, 'base=base&new=patched', check);
	{
		const offered = await page.$$eval('select[name=base] option', os => os.map(o => o.value));
		const listed = (await api(url, '/runs?state=done&limit=500')).runs;
		const tag = listed.flatMap(r => Object.entries(r.tags || {})).map(([k, v]) => `tag:${k}=${v}`)[0];
		check((!tag || offered.includes(tag)) && offered.some(v => /^runs:\d+(,\d+)+$/.test(v)),
		      'the compare picker offers tags (tag:K=V) and groups of runs (runs:ID,ID,...)', offered.join(' ').slice(0, 300));
	}
	check(!/\bnull\b/.test(await page.textContent('main')), 'compare view shows no "null" for a part it has nothing for');
	check((await page.textContent('[data-testid=report]')).startsWith('migbench: KVM dirty-log comparison'),
	      'compare view shows the cover-letter report');
	{
		const model = await api(url, '/compare?base=base&new=patched');
		const selftest = await page.textContent('[data-testid=selftest]');
		const shown = await page.$$eval('[data-testid=compare-rows] tr[data-metric]', trs =>
			trs.map(tr => [tr.dataset.metric, tr.querySelector('td div.muted').textContent]));
		check(JSON.stringify(shown) === JSON.stringify(model.metrics.map(r => [r.metric, r.label])) &&
		      ['clear_dirty_log_ns', 'get_dirty_log_ns'].includes(shown[0][0]),
		      "compare view: the model's rows in its order, the headline first, each with its label",
		      JSON.stringify(shown.map(r => r[0])));
		check(model.selftest.command === selftestLine(model.spec) && selftest === 'kernel selftest: ' + model.selftest.command &&
		      (await page.textContent('[data-testid=report]')).includes('\nselftest: ' + model.selftest.command + '\n'),
		      'compare view and its report show the dirty_log_perf_test command line', selftest);
	}
	check(await page.$('[data-testid=sweep-charts]') === null, 'and no sweep charts when nothing is swept');

	await checkSweepView(page, visit, paintedCanvases, url, JSON.parse(sweepsJson), check);
	{
		const swept = JSON.parse(sweepsJson).new_vcpus1[0];
		await visit(page, `/run/${swept}`, '[data-testid=summary]', 'run-sweep');
		await checkRunLayout(page, url, swept, "a sweep run's view", check);
	}

	await visit(page, '/schedule', 'form[data-testid=schedule]', 'schedule');
	await page.fill('#token', urlToken);
	await page.dispatchEvent('#token', 'change');
	await page.fill('input[name=vcpus]', '0');
	await page.click('form[data-testid=schedule] button[type=submit]');
	await page.waitForFunction(() => document.querySelector('#err-vcpus').textContent !== '');
	await page.screenshot({ path: `${artifacts}/schedule-error.png`, fullPage: true });
	check(await page.textContent('#err-vcpus') === 'vcpus: must be between 1 and 512, got 0',
	      'a bad value shows its error next to the field', await page.textContent('#err-vcpus'));
	errors.length = 0;	// Chromium logs the 400 it was meant to get
	await page.fill('input[name=vcpus]', '1');
	await page.fill('input[name=mem_per_vcpu]', '8M');
	await page.selectOption('select[name=backing]', 'anonymous');
	await page.fill('input[name=iterations]', '1');
	await page.fill('input[name=label]', 'from-browser');
	await page.click('form[data-testid=schedule] button[type=submit]');
	await page.waitForURL(/#\/run\/\d+$/, { timeout: 20000 });
	const id = Number(page.url().split('/').pop());
	const made = await (await fetch(`${url}/api/v1/runs/${id}`)).json();
	check(made.label === 'from-browser' && made.spec.vcpus === 1, 'submitting the form creates the run',
	      JSON.stringify(made).slice(0, 200));
	{
		// The command line follows the resolved spec once the worker
		// reports it: read the view of the finished run, not a race.
		for (let t = 0; t < 600 && !['done', 'failed', 'cancelled', 'interrupted']
			.includes((await api(url, `/runs/${id}`)).state); t++)
			await new Promise(r => setTimeout(r, 100));
		await page.reload();
		await page.waitForSelector('[data-testid=selftest]');
		const { selftest } = await checkCommands(page, url, id, 'a run with one iteration');
		check(selftest === 'kernel selftest: no dirty_log_perf_test equivalent (iterations: the selftest runs at least 2)' &&
		      made.selftest.command === null, 'a spec the selftest cannot run (one iteration) shows why, and no line', selftest);
	}
	check(errors.length === 0, 'no console errors while scheduling', errors.join('; '));

	// The form is the engines' own keys: a sweep of vcpus, and a migration.
	const engines = (await (await fetch(`${url}/api/v1/engines`)).json()).engines;
	const fieldNames = async () => page.$$eval('form[data-testid=schedule] [name]', els =>
		els.map(e => e.name).filter(n => !['kind', 'label', 'tags', 'repeat'].includes(n)));
	await visit(page, '/schedule', 'form[data-testid=schedule]', 'schedule-sweep');
	check(JSON.stringify(await fieldNames()) === JSON.stringify(engines.find(e => e.default).keys.map(k => k.name)),
	      'the schedule form has a field for each key GET /engines gives the default kind');
	await page.fill('input[name=vcpus]', '1,2');
	await page.fill('input[name=mem_per_vcpu]', '8M');
	await page.selectOption('select[name=backing]', 'anonymous');
	await page.fill('input[name=iterations]', '1');
	await page.fill('input[name=zap]', 'disable,touch,delete');
	await page.fill('input[name=label]', 'form-sweep');
	await page.click('form[data-testid=schedule] button[type=submit]');
	await page.waitForURL(/#\/run\/\d+$/, { timeout: 20000 });
	{
		const listed = (await (await fetch(`${url}/api/v1/runs?label=form-sweep`)).json()).runs;
		const swept = await Promise.all(listed.map(r => api(url, `/runs/${r.id}`)));
		const vcpus = swept.map(r => r.spec.vcpus).sort();
		check(swept.length === 2 && JSON.stringify(vcpus) === '[1,2]' && swept[0].sweep && swept[0].sweep.id === swept[1].sweep.id &&
		      swept.every(r => JSON.stringify(r.spec.zap) === '["disable","touch","delete"]' && r.spec.iterations === 1),
		      'vcpus "1,2" in the form schedules a sweep of two runs, with the zap steps entered',
		      JSON.stringify(swept.map(r => [r.id, r.sweep, r.spec])).slice(0, 300));
	}
	await visit(page, '/schedule?kind=migration', 'form[data-testid=schedule][data-kind=migration]', 'schedule-migration');
	check(JSON.stringify(await fieldNames()) === JSON.stringify(engines.find(e => e.kind === 'migration').keys.map(k => k.name)) &&
	      await page.inputValue('input[name=destination]') === 'local' && await page.inputValue('select[name=backing]') === 'hugetlb-1g',
	      "the migration form has the migration engine's keys, with its defaults");
	await page.fill('input[name=memory]', '256M');
	await page.selectOption('select[name=backing]', 'anonymous');
	await page.fill('input[name=wss]', '128M');
	await page.fill('input[name=rate_mib_s]', '64');
	await page.selectOption('select[name=trace]', 'false');
	await page.fill('input[name=label]', 'form-migration');
	await page.click('form[data-testid=schedule] button[type=submit]');
	await page.waitForURL(/#\/run\/\d+$/, { timeout: 20000 });
	{
		const mid = Number(page.url().split('/').pop());
		const m = await (await fetch(`${url}/api/v1/runs/${mid}`)).json();
		check(m.kind === 'migration' && m.label === 'form-migration' && m.spec.memory === '256M' &&
		      m.spec.backing === 'anonymous' && m.spec.wss === '128M' && m.spec.rate_mib_s === 64 && m.spec.trace === false &&
		      m.spec.destination === 'local', 'the form schedules a migration run with the values entered',
		      JSON.stringify(m.spec));
		// it need not run here: the view and its spec are what the form made
		await fetch(`${url}/api/v1/runs/${mid}/cancel`, { method: 'POST',
			headers: { Authorization: 'Bearer ' + urlToken } });
	}
	check(errors.length === 0, 'no console errors scheduling a sweep and a migration', errors.join('; '));

	// With a token: entered once, kept for the session, sent with changes.
	const secure = await openPage(tokenUrl);
	await visit(secure, '/schedule', 'form[data-testid=schedule]', 'schedule-token');
	await secure.fill('input[name=mem_per_vcpu]', '8M');
	await secure.selectOption('select[name=backing]', 'anonymous');
	await secure.fill('input[name=iterations]', '100000');
	await secure.click('form[data-testid=schedule] button[type=submit]');
	await secure.waitForFunction(() => document.querySelector('#form-error').textContent !== '');
	check((await secure.textContent('#form-error')).includes('needs the bearer token'),
	      'without the token the daemon refuses and the page says so');
	errors.length = 0;	// the 401 itself is logged by Chromium as a failed load
	await secure.fill('#token', token);
	await secure.dispatchEvent('#token', 'change');
	await secure.click('form[data-testid=schedule] button[type=submit]');
	await secure.waitForURL(/#\/run\/\d+$/, { timeout: 20000 });
	await secure.waitForSelector('[data-testid=cancel]', { timeout: 30000 });
	await secure.click('[data-testid=cancel]');
	await secure.waitForFunction(() => {
		const s = document.querySelector('[data-testid=run-state]');
		return s && s.textContent === 'cancelled';
	}, null, { timeout: 60000 });
	await secure.screenshot({ path: `${artifacts}/run-cancelled.png`, fullPage: true });
	check(await secure.evaluate(() => sessionStorage.getItem('migbench-token')) === token,
	      'the token is kept in the browser session');
	check(true, 'with the token the run is scheduled and cancelled from the page');
} catch (e) {
	check(false, 'browser test ran to the end', String(e));
} finally {
	await browser.close();
}
