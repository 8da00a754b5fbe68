// SPDX-License-Identifier: MIT
// Kernel campaigns: the list, and one campaign: its kernels, its steps in
// boot order (a strip coloured by outcome, then a row each with its times,
// boot attempts and runs), the timeline of what happened, and the report
// comparing each later kernel with the first.  An active campaign is
// read again every 2.5 s.
'use strict';

// What each step state means, in the order of the strip's legend.
const STEP_STATES = [
	['done', 'booted and ran'], ['running', 'booted, making its runs'], ['booting', 'rebooting into it'],
	['boot-failed', 'came up in another kernel'], ['skipped', 'not made: the campaign ended'],
	['pending', 'not begun'],
];

const campaignLive = c => c.state === 'active' || c.state === 'aborting';

// ABBA names kernels by letter: kernels[0] is A, the base of the report.
function kernelName(kernels, k) {
	const letter = 'ABCD'[k] || '#' + k;
	return kernels[k] ? `${letter} ${kernels[k].label}` : letter;
}

// How long from one stored time to another: '' when either is missing.
function fmtDuration(from, to) {
	const s = from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : NaN;
	if (!Number.isFinite(s) || s < 0) return '';
	return s < 120 ? `${Math.round(s)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${fmt3(s / 3600)} h`;
}

function plural(n, word) {
	return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function fmtTags(tags) {
	return Object.entries(tags || {}).map(([t, v]) => `${t}=${v}`).join(', ');
}

// --- the list --------------------------------------------------------------

async function viewCampaigns() {
	const tbody = el('tbody');
	view.replaceChildren(el('h2', {}, 'Campaigns'),
		el('p', { class: 'muted' }, 'Each boots its kernels in turn (kexec) and makes the same runs on each; ' +
			'start one with POST /api/v1/campaigns or migbench campaign start.'),
		el('table', { 'data-testid': 'campaigns' }, el('thead', {}, el('tr', {},
			['id', 'state', 'steps done', 'kernels', 'created', 'finished', 'reason'].map(h => el('th', {}, h)))),
		tbody));

	async function refresh() {
		const list = (await api('/campaigns')).campaigns;
		tbody.replaceChildren(...list.map(c => el('tr', { 'data-campaign': c.id },
			el('td', {}, el('a', { href: '#/campaign/' + c.id }, String(c.id))),
			stateCell(c.state),
			el('td', { class: 'num', 'data-testid': 'steps' }, `${c.steps_done} / ${c.steps}`),
			el('td', { 'data-testid': 'kernels' }, ((c.spec || {}).kernels || []).map(k => k.label).join(', ')),
			el('td', { class: 'time' }, fmtTime(c.created_at)), el('td', { class: 'time' }, fmtTime(c.finished_at)),
			el('td', { 'data-testid': 'reason' }, c.reason || ''))));
		if (!list.length)
			tbody.append(el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No campaigns yet.')));
		timer = setTimeout(() => refresh().catch(showError), list.some(campaignLive) ? 2500 : 5000);
	}
	await refresh();
}

// --- one campaign ----------------------------------------------------------

function kernelsTable(kernels) {
	return el('table', { 'data-testid': 'campaign-kernels' }, el('tr', {},
		['kernel', 'release', 'command line', 'tags', 'image'].map(h => el('th', {}, h))),
		kernels.map((k, i) => el('tr', { 'data-kernel': i },
			el('td', {}, el('strong', {}, kernelName(kernels, i)), i === 0 ? el('div', { class: 'muted' }, 'the base') : null),
			el('td', {}, k.release || '-', k.version ? el('div', { class: 'muted' }, k.version) : null),
			el('td', {}, el('code', {}, k.cmdline || '')),
			el('td', {}, fmtTags(k.tags)),
			el('td', { class: 'muted' }, k.image || ''))));
}

// A step in words, for the strip's hover.
function stepTitle(s, kernels) {
	return [`step ${s.seq}, round ${s.round}: ${kernelName(kernels, s.kernel)}, ${s.state}`,
		s.booted_at && `booted ${fmtTime(s.booted_at)}`, s.finished_at && `finished ${fmtTime(s.finished_at)}`,
		s.attempts > 1 && plural(s.attempts, 'boot attempt'), s.reason].filter(Boolean).join('; ');
}

// One segment per step in boot order, coloured by its state.
function stepStrip(steps, kernels) {
	return el('div', {},
		el('ol', { class: 'step-strip', 'data-testid': 'step-strip' }, steps.map(s =>
			el('li', { class: 'step-' + s.state, 'data-seq': s.seq, 'data-state': s.state, title: stepTitle(s, kernels) },
				el('strong', {}, String(s.seq)), ' ', kernelName(kernels, s.kernel),
				el('div', { class: 'step-state' }, s.state)))),
		el('ul', { class: 'marks' }, STEP_STATES.map(([state, meaning]) =>
			el('li', { class: 'step-' + state }, el('span', { class: 'swatch' }), `${state}: ${meaning}`))));
}

// When the step came up and when it ended, with how long it took.
function stepTimes(s) {
	if (!s.booted_at)
		return s.finished_at ? ['not booted; ended', el('br'), fmtTime(s.finished_at)] : '-';
	return [`${fmtTime(s.booted_at)} –`, el('br'), s.finished_at ? fmtTime(s.finished_at) : '…',
		el('div', { class: 'muted' }, fmtDuration(s.booted_at, s.finished_at))];
}

// The step's runs with their states; which request each is, when there are several.
function stepRuns(runs, requests) {
	if (!runs.length) return el('span', { class: 'muted' }, 'none');
	return el('ul', { class: 'step-runs' }, runs.map(r => el('li', { 'data-run': r.id },
		el('a', { href: '#/run/' + r.id }, 'run ' + r.id), ' ',
		el('span', { class: 'state-' + r.state, 'data-state': r.state }, r.state),
		requests > 1 ? el('span', { class: 'muted' }, ` runs[${r.request}]`) : null)));
}

function stepsTable(steps, kernels, requests) {
	return el('table', { 'data-testid': 'campaign-steps' }, el('tr', {},
		['step', 'round', 'kernel', 'state', 'boots', 'booted – finished', 'runs', 'why'].map(h => el('th', {}, h))),
		steps.map(s => el('tr', { 'data-seq': s.seq, 'data-kernel': s.kernel },
			el('td', { class: 'num' }, String(s.seq)), el('td', { class: 'num' }, String(s.round)),
			el('td', {}, kernelName(kernels, s.kernel)),
			stateCell(s.state),
			el('td', { 'data-testid': 'attempts' }, plural(s.attempts, 'attempt'),
				s.restarts ? `, ${plural(s.restarts, 'restart')}` : '',
				s.expect_release ? el('div', { class: 'muted' }, 'expects ' + s.expect_release) : null),
			el('td', { class: 'time' }, stepTimes(s)),
			el('td', {}, stepRuns(s.runs || [], requests)),
			el('td', { class: 'reason', 'data-testid': 'step-reason' }, s.reason || ''))));
}

function eventsTable(events) {
	return el('table', { 'data-testid': 'campaign-events' }, el('tr', {},
		['at', 'step', 'what', 'message'].map(h => el('th', {}, h))),
		events.map(e => el('tr', { 'data-kind': e.kind },
			el('td', { class: 'time' }, fmtTime(e.at)), el('td', { class: 'num' }, e.step === null ? '' : String(e.step)),
			el('td', { class: 'event-' + e.kind }, e.kind), el('td', { class: 'reason' }, e.message))));
}

// The last report read, {key, text} or {key, refused}: read again only
// when the campaign has more done runs, so that a page left open does not
// have the daemon compute it every 2.5 s while the host measures runs.
let reportRead = null;

async function readReport(c) {
	const done = (c.step_list || []).flatMap(s => s.runs || []).filter(r => r.state === 'done').length;
	const key = `${c.id} ${c.state} ${done}`;
	if (reportRead && reportRead.key === key) return reportRead;
	try {
		reportRead = { key, text: await api(`/campaigns/${c.id}/report?format=text`) };
	} catch (e) {
		if (e.status !== 400) throw e;
		reportRead = { key, refused: e.message };	// a side has no done runs yet
	}
	return reportRead;
}

// The text report with links to its other formats, or why there is none yet.
async function reportCard(c, spec) {
	const card = el('div', { class: 'card' }, el('h3', {}, 'Report: each kernel against the first'));
	const url = q => `${API}/campaigns/${c.id}/report?${new URLSearchParams(q)}`;
	const report = await readReport(c);
	if (report.refused) {
		card.append(el('p', { class: 'muted', 'data-testid': 'report-unavailable' }, 'Not available yet: ' + report.refused));
		return card;
	}
	// csv holds one comparison: a link per run request and later kernel
	const csv = [];
	(spec.runs || []).forEach((_, i) => (spec.kernels || []).slice(1).forEach(k => csv.push(el('a', {
		href: url({ format: 'csv', request: i, kernel: k.label }), download: `campaign-${c.id}-runs${i}-${k.label}.csv`,
	}, `csv runs[${i}] ${k.label}`))));
	card.append(el('p', { 'data-testid': 'report-links' },
		el('button', { type: 'button', onclick: () => navigator.clipboard.writeText(report.text) }, 'Copy'), ' ',
		el('a', { href: url({ format: 'markdown' }), download: `campaign-${c.id}.md` }, 'markdown'), ' ',
		el('a', { href: url({ format: 'json' }), download: `campaign-${c.id}.json` }, 'json'), ' ',
		csv.flatMap(a => [a, ' '])),
		el('pre', { 'data-testid': 'campaign-report' }, report.text));
	return card;
}

// The abort's refusal, kept while the view refreshes: {id, message}.
let abortRefused = null;

function abortButton(id) {
	const refused = abortRefused && abortRefused.id === id ? abortRefused.message : '';
	const msg = el('span', { class: 'error', 'data-testid': 'abort-error' }, refused);
	return [el('button', { type: 'button', 'data-testid': 'abort', onclick: async () => {
		try {
			// JSON like every POST: migbenchd refuses other types
			await api(`/campaigns/${id}/abort`, { method: 'POST', body: '{}',
				headers: { 'Content-Type': 'application/json' } });
		} catch (e) {
			abortRefused = { id, message: e.message };
			msg.textContent = e.message;
			return;
		}
		abortRefused = null;
		route();
	} }, 'Abort campaign'), ' ', msg];
}

async function viewCampaign(id) {
	const c = await api('/campaigns/' + id);
	const spec = c.spec || {}, kernels = spec.kernels || [], steps = c.step_list || [];
	const plan = [spec.rounds && plural(spec.rounds, 'round'), spec.order && 'order ' + spec.order,
		spec.reboot && 'reboot by ' + spec.reboot,
		spec.boot_attempts && plural(spec.boot_attempts, 'boot attempt') + ' per step',
		'created ' + fmtTime(c.created_at), c.finished_at && 'finished ' + fmtTime(c.finished_at)];
	const head = el('div', { class: 'card' }, el('h2', {}, `Campaign ${c.id}`),
		el('p', {}, 'state ', el('strong', { class: 'state-' + c.state, 'data-testid': 'campaign-state' }, c.state),
			`, ${c.steps_done} of ${plural(c.steps, 'step')} done`,
			c.reason ? [' — ', el('span', { 'data-testid': 'campaign-reason' }, c.reason)] : null),
		el('p', { class: 'muted' }, plan.filter(Boolean).join(', ')),
		c.state === 'active' ? abortButton(c.id) : null);
	const requests = el('ul', { 'data-testid': 'campaign-requests' }, (spec.runs || []).map((r, i) =>
		el('li', {}, el('code', {}, `runs[${i}]`), ` ${(c.run_descriptions || [])[i] || r.kind}, ${plural(r.repeat, 'run')} ` +
			'per step', el('span', { class: 'muted' }, ' ' + fmtTags(r.tags)))));
	const report = await reportCard(c, spec);
	view.replaceChildren(head,
		el('div', { class: 'card' }, el('h3', {}, 'Kernels'), kernelsTable(kernels),
			el('h3', {}, 'Runs on each kernel'), requests),
		el('div', { class: 'card' }, el('h3', {}, 'Steps, in boot order'), stepStrip(steps, kernels),
			stepsTable(steps, kernels, (spec.runs || []).length)),
		el('div', { class: 'card' }, el('h3', {}, 'Timeline'), eventsTable(c.events || [])),
		report);
	if (campaignLive(c))
		timer = setTimeout(() => route(), 2500);
}
