// SPDX-License-Identifier: MIT
// Checks of the campaign views on campaigns tests/campaign_store.py wrote
// into a store (a real campaign reboots its host): the list; a campaign's
// kernels, its steps in boot order with their kernels, states, boot
// attempts, reasons and runs (linked to the run view), its timeline and
// its report, or why there is none; markup in a reason, an event or a
// kernel's version shown as text.  An active campaign, which no test may
// start here, is its done one rewritten in the browser as it went: the
// page follows it every few seconds, offers to abort it with the token,
// and stops reading once it is done.  An aging run written beside them:
// its view says whether its aging reached KVM.  Used by test-web.mjs.

const api = async (base, path) => (await fetch(base + '/api/v1' + path)).json();
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

// Every console error but those a view was meant to cause (a 400 or 409).
function watchErrors(page) {
	const errors = [];
	page.on('console', m => { if (m.type() === 'error') errors.push({ text: m.text(), url: m.location().url || '' }); });
	page.on('pageerror', e => errors.push({ text: String(e), url: '' }));
	return errors;
}

async function visit(page, errors, hash, selector, name, artifacts, check, expected = () => false) {
	errors.length = 0;
	await page.goto('about:blank');	// a fresh load, even for the same hash
	await page.goto(page.base + '/#' + hash);
	await page.waitForSelector(selector, { timeout: 30000 });
	await page.screenshot({ path: `${artifacts}/${name}.png`, fullPage: true });
	const unexpected = errors.filter(e => !expected(e));
	check(unexpected.length === 0, `${name} view loads with no console errors`, JSON.stringify(unexpected));
	const text = await page.textContent('main');
	check(!/undefined|NaN/.test(text), `${name} view shows no "undefined" or "NaN"`,
	      (text.match(/.{0,60}(undefined|NaN).{0,60}/) || [''])[0]);
}

// What the page shows of each step: from the strip and from the table.
async function shownSteps(page) {
	const strip = await page.$$eval('[data-testid=step-strip] li', lis => lis.map(li => ({
		seq: Number(li.dataset.seq), state: li.dataset.state, text: li.textContent, title: li.title })));
	const rows = await page.$$eval('[data-testid=campaign-steps] tr[data-seq]', trs => trs.map(tr => ({
		seq: Number(tr.dataset.seq), kernel: Number(tr.dataset.kernel),
		kernelText: tr.children[2].textContent, state: tr.querySelector('td[data-state]').dataset.state,
		attempts: tr.querySelector('[data-testid=attempts]').textContent,
		reason: tr.querySelector('[data-testid=step-reason]').textContent,
		runs: [...tr.querySelectorAll('li[data-run]')].map(li => ({ id: Number(li.dataset.run),
			href: li.querySelector('a').getAttribute('href'), state: li.querySelector('[data-state]').dataset.state })),
	})));
	return { strip, rows };
}

// The steps as stored, against the page: order, kernels, states, attempts, reasons, runs.
function checkSteps(shown, want, labels, name, check) {
	const letter = k => `${'AB'[k]} ${labels[k]}`;
	check(same(shown.strip.map(s => [s.seq, s.state]), want.map(s => [s.seq, s.state])) &&
	      shown.strip.every((s, i) => s.text.includes(letter(want[i].kernel))),
	      `${name}: the strip has a segment per step in boot order, with its kernel and state`,
	      JSON.stringify(shown.strip.map(s => s.text)));
	check(same(shown.rows.map(r => [r.seq, r.kernel, r.kernelText, r.state]),
	           want.map(s => [s.seq, s.kernel, letter(s.kernel), s.state])),
	      `${name}: the steps table lists ${want.length} steps in boot order with their kernels and states`,
	      JSON.stringify(shown.rows.map(r => [r.seq, r.kernel, r.kernelText, r.state])));
	check(shown.rows.every((r, i) => r.attempts.startsWith(`${want[i].attempts} attempt`) &&
	                      r.reason === (want[i].reason || '')),
	      `${name}: each step's boot attempts and reason are shown next to it`,
	      JSON.stringify(shown.rows.map(r => [r.attempts, r.reason])));
	check(shown.strip.every((s, i) => !want[i].reason ||
	                        (s.title.includes(want[i].reason) && s.title.includes(`${want[i].attempts} boot attempts`))),
	      `${name}: hovering a step that needed more than one boot shows its attempts and reason`);
	check(shown.rows.every((r, i) => same(r.runs, want[i].runs.map(id => ({ id, href: `#/run/${id}`, state: 'done' })))),
	      `${name}: each step lists its runs, linked to the run view, with their state`,
	      JSON.stringify(shown.rows.map(r => r.runs)));
}

async function checkList(page, errors, base, want, artifacts, check) {
	await visit(page, errors, '/campaigns', 'table[data-testid=campaigns] tr[data-campaign]', 'campaigns',
	            artifacts, check);
	check(await page.$('header nav a[href="#/campaigns"]') !== null, 'the navigation has a Campaigns entry');
	const rows = await page.$$eval('tr[data-campaign]', trs => trs.map(tr => ({
		id: Number(tr.dataset.campaign), state: tr.querySelector('td[data-state]').dataset.state,
		steps: tr.querySelector('[data-testid=steps]').textContent,
		kernels: tr.querySelector('[data-testid=kernels]').textContent,
		reason: tr.querySelector('[data-testid=reason]').textContent,
		link: tr.querySelector('a').getAttribute('href') })));
	const expect = [want.failed, want.done].map(c => ({ id: c.id, state: c.state,
		steps: `${c.steps.filter(s => s.state === 'done').length} / ${c.steps.length}`,
		kernels: c.labels.join(', '), reason: c.reason || '', link: `#/campaign/${c.id}` }));
	check(same(rows, expect), 'the campaigns list shows both, newest first: state, steps done, kernels, reason',
	      `shown ${JSON.stringify(rows)}, wanted ${JSON.stringify(expect)}`);
	check(await page.$$eval('main b, main img', e => e.length) === 0, "the list shows the failed campaign's markup as text");
}

async function checkDone(page, errors, base, c, artifacts, check) {
	const reads = [];
	const count = r => { if (new URL(r.url()).pathname === `/api/v1/campaigns/${c.id}`) reads.push(r.url()); };
	page.on('request', count);
	await visit(page, errors, `/campaign/${c.id}`, '[data-testid=campaign-report]', 'campaign-done', artifacts, check);
	check(await page.textContent('[data-testid=campaign-state]') === 'done', 'the done campaign says so');
	const kernels = await page.$$eval('[data-testid=campaign-kernels] tr[data-kernel]', trs =>
		trs.map(tr => [...tr.children].map(td => td.textContent)));
	const stored = (await api(base, `/campaigns/${c.id}`)).spec.kernels;
	check(kernels.length === 2 && kernels.every((k, i) => k[0].startsWith(`${'AB'[i]} ${stored[i].label}`) &&
	      k[1].startsWith(stored[i].release) && k[2] === stored[i].cmdline),
	      'the kernels are listed with their labels, releases and command lines', JSON.stringify(kernels));
	checkSteps(await shownSteps(page), c.steps, c.labels, 'done campaign', check);
	const requests = await page.$$eval('[data-testid=campaign-requests] li', lis => lis.map(li => li.textContent));
	const said = (await api(base, `/campaigns/${c.id}`)).run_descriptions;
	check(said.length === 1 && said[0].startsWith('dirtylog 2 x 512M hugetlb-1g, 3 iterations') &&
	      requests.length === 1 && requests[0].startsWith(`runs[0] ${said[0]}, 3 runs per step`),
	      "each run request is described in the engine's words", JSON.stringify([said, requests]));

	const events = (await api(base, `/campaigns/${c.id}`)).events;
	const shown = await page.$$eval('[data-testid=campaign-events] tr[data-kind]', trs =>
		trs.map(tr => [tr.dataset.kind, tr.children[3].textContent]));
	check(same(shown, events.map(e => [e.kind, e.message])) && shown.some(([kind]) => kind === 'boot-failed'),
	      'the timeline lists every event in order, the failed boot among them', JSON.stringify(shown));

	const report = await page.textContent('[data-testid=campaign-report]');
	const text = await (await fetch(`${base}/api/v1/campaigns/${c.id}/report?format=text`)).text();
	check(report === text && c.labels.every(l => report.includes(l)) &&
	      report.includes(`runs[0]: ${c.labels[1]} against ${c.labels[0]}`),
	      'the text report is shown, naming both kernels', report.slice(0, 300));
	const links = await page.$$eval('[data-testid=report-links] a', as => as.map(a => a.href));
	const bodies = await Promise.all(links.map(async l => { const r = await fetch(l); return [r.status, await r.text()]; }));
	check(links.length === 3 && bodies.every(([status]) => status === 200) &&
	      bodies[0][1].startsWith('### Campaign') && JSON.parse(bodies[1][1]).comparisons.length === 1 &&
	      bodies[2][1].startsWith('metric,over'),
	      'the report links to its markdown, json and csv', JSON.stringify(links));
	check(await page.$('[data-testid=abort]') === null, 'a campaign that ended has no abort button');
	reads.length = 0;
	await sleep(3500);
	check(reads.length === 0, 'a campaign that ended is not read again', reads.join(' '));
	page.off('request', count);

	const run = c.steps[1].runs[0];
	await page.click(`[data-testid=campaign-steps] li[data-run="${run}"] a`);
	await page.waitForURL(new RegExp(`#/run/${run}$`));
	await page.waitForSelector('[data-testid=run-state]');
	check(await page.textContent('[data-testid=run-state]') === 'done' &&
	      (await page.textContent('main')).includes(`label "${c.labels[1]}"`),
	      "a step's run link opens that run's view");
}

async function checkFailed(page, errors, base, c, artifacts, check) {
	// Chromium logs the report's 400 that the page turns into its note
	const reportRefused = e => /status of 400/.test(e.text) && e.url.includes(`/campaigns/${c.id}/report`);
	await visit(page, errors, `/campaign/${c.id}`, '[data-testid=report-unavailable]', 'campaign-failed',
	            artifacts, check, reportRefused);
	check(await page.textContent('[data-testid=campaign-state]') === 'failed' &&
	      await page.textContent('[data-testid=campaign-reason]') === c.reason,
	      'the failed campaign shows its state and reason', await page.textContent('[data-testid=campaign-reason]'));
	checkSteps(await shownSteps(page), c.steps, c.labels, 'failed campaign', check);
	const refused = await (await fetch(`${base}/api/v1/campaigns/${c.id}/report?format=text`)).json();
	check(await page.textContent('[data-testid=report-unavailable]') === 'Not available yet: ' + refused.detail,
	      "without a report the page says why, in the daemon's words", refused.detail);
	// where the store's text holds markup: each shown as that text, none as HTML
	const holders = await page.evaluate(markup => ({
		elements: document.querySelectorAll('main b, main img').length, ran: window.__xss !== undefined,
		shown: ['[data-testid=campaign-reason]', '[data-testid=campaign-steps] tr[data-seq="2"] [data-testid=step-reason]',
			'[data-testid=campaign-events] tr[data-kind=boot-failed]', '[data-testid=campaign-kernels] tr[data-kernel="1"]']
			.filter(sel => document.querySelector(sel).textContent.includes(markup)) }), c.markup);
	check(holders.elements === 0 && !holders.ran && holders.shown.length === 4,
	      "markup in the campaign's reason, a step's reason, an event and a kernel's version is shown as text, " +
	      'never as HTML', JSON.stringify(holders));
}

// The done campaign as it was while active: step 3 failed its first
// boot, then ran; then the campaign as stored.
function phasesOf(stored) {
	const step = (seq, changes) => Object.assign({}, stored.step_list[seq - 1], changes);
	const active = (s3, s4) => Object.assign({}, stored, { state: 'active', finished_at: null, steps_done: 2,
		step_list: [stored.step_list[0], stored.step_list[1], s3, s4] });
	const pending = step(4, { state: 'pending', attempts: 0, token: null, expect_release: null, expect_version: null,
		booted_from: null, boot_id: null, booted_at: null, finished_at: null, runs: [] });
	return [
		active(step(3, { state: 'boot-failed', attempts: 1, booted_at: null, finished_at: null, runs: [],
			reason: 'came up in 6.1.0-99-amd64 without a migbench.step token' }), pending),
		active(step(3, { state: 'running', attempts: 2, finished_at: null,
			runs: stored.step_list[2].runs.map(r => Object.assign({}, r, { state: 'running' })) }), pending),
		stored,
	];
}

async function checkLive(page, errors, base, token, c, artifacts, check) {
	const stored = await api(base, `/campaigns/${c.id}`);
	const phases = phasesOf(stored);
	const campaignUrl = url => url.pathname === `/api/v1/campaigns/${c.id}`;
	let phase = 0, reads = 0, reports = 0;
	await page.route(campaignUrl, route => {
		reads++;
		return route.fulfill({ json: phases[phase] });
	});
	const countReports = r => { if (new URL(r.url()).pathname === `/api/v1/campaigns/${c.id}/report`) reports++; };
	page.on('request', countReports);
	const stepState = seq => page.getAttribute(`[data-testid=step-strip] li[data-seq="${seq}"]`, 'data-state');
	try {
		// the abort's refusals are logged by Chromium as failed loads
		await visit(page, errors, `/campaign/${c.id}`, '[data-testid=abort]', 'campaign-active', artifacts, check,
		            e => /status of 40[139]/.test(e.text) && e.url.includes('/abort'));
		check(await page.textContent('[data-testid=campaign-state]') === 'active' &&
		      await stepState(3) === 'boot-failed' && await stepState(4) === 'pending',
		      'an active campaign shows a failed boot and a step still pending');
		const first = reads, since = Date.now();
		for (let t = 0; t < 80 && reads < first + 2; t++) await sleep(100);
		check(reads >= first + 2, 'an active campaign is read again every few seconds ' +
		      `(${reads - first} times in ${((Date.now() - since) / 1000).toFixed(1)} s)`);

		await page.fill('#token', token);
		await page.dispatchEvent('#token', 'change');
		await page.click('[data-testid=abort]');
		await page.waitForFunction(() => document.querySelector('[data-testid=abort-error]').textContent !== '');
		const said = await page.textContent('[data-testid=abort-error]');
		// the daemon, which holds it done, refuses past the token check
		check(said === `campaign ${c.id} has ended`, 'the abort button sends the token and shows the answer', said);
		const before = reads;
		for (let t = 0; t < 50 && reads === before; t++) await sleep(100);
		await sleep(500);
		check(await page.textContent('[data-testid=abort-error]') === said, "the abort's refusal stays through a refresh");

		phase = 1;
		await page.waitForSelector('[data-testid=step-strip] li[data-seq="3"][data-state=running]', { timeout: 10000 });
		await page.screenshot({ path: `${artifacts}/campaign-running.png`, fullPage: true });
		check(await page.$$eval('[data-testid=campaign-steps] tr[data-seq="3"] li[data-run] [data-state]', s =>
			s.map(e => e.dataset.state).join()) === 'running,running,running',
		      'the page follows the campaign: step 3 booted and its runs are running');
		check(reports === 1, "while the campaign has no more done runs, its report is not computed again",
		      `${reports} reads in ${reads} refreshes`);
		phase = 2;
		await page.waitForFunction(() => document.querySelector('[data-testid=campaign-state]').textContent === 'done',
		                           null, { timeout: 10000 });
		check(await page.$('[data-testid=abort]') === null && await stepState(4) === 'done',
		      'once done, the abort button is gone and every step done');
		const last = reads;
		await sleep(3500);
		check(reads === last, 'and the page stops reading it', `${reads - last} reads after the end`);
		const unexpected = errors.filter(e => !(/status of 40[139]/.test(e.text) && e.url.includes('/abort')));
		check(unexpected.length === 0, 'no console errors while following the campaign', JSON.stringify(unexpected));
	} finally {
		await page.unroute(campaignUrl);
		page.off('request', countReports);
	}
}

// An aging run's view: the sentence of whether its aging reached KVM.
async function checkAging(page, errors, base, want, artifacts, check) {
	await visit(page, errors, `/run/${want.id}`, '[data-testid=aging]', 'aging-run', artifacts, check);
	const said = await page.textContent('[data-testid=aging]');
	check(said === 'aging: ' + want.statement, 'the aging run\'s view says whether its aging reached KVM',
	      said);
}

export async function checkCampaignViews(page, base, token, want, artifacts, check) {
	const errors = watchErrors(page);
	await checkAging(page, errors, base, want.aging, artifacts, check);
	await checkList(page, errors, base, want, artifacts, check);
	await checkDone(page, errors, base, want.done, artifacts, check);
	await checkFailed(page, errors, base, want.failed, artifacts, check);
	await checkLive(page, errors, base, token, want.done, artifacts, check);
}
