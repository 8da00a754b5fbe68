// SPDX-License-Identifier: MIT
// migbench dashboards: runs, one run, campaigns, compare, host, schedule.  Plain
// JavaScript with no build step; every element is built with textContent
// (never innerHTML), and all requests go to migbenchd's own API.
'use strict';

const API = '/api/v1';
const view = document.getElementById('view');
const tokenInput = document.getElementById('token');
let timer = null;		// the current view's polling, if any

tokenInput.value = sessionStorage.getItem('migbench-token') || '';
tokenInput.addEventListener('change', () =>
	sessionStorage.setItem('migbench-token', tokenInput.value.trim()));

// el('td', {class: 'num'}, 'text', child, ...)
function el(tag, attrs, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false) continue;
		if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
		else e.setAttribute(k, v === true ? '' : v);
	}
	for (const c of children.flat()) {
		if (c === undefined || c === null) continue;
		e.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
	return e;
}

async function api(path, options = {}) {
	const headers = Object.assign({}, options.headers);
	const token = tokenInput.value.trim();
	if (options.method === 'POST' && token) headers.Authorization = 'Bearer ' + token;
	const r = await fetch(API + path, Object.assign({}, options, { headers }));
	const type = r.headers.get('Content-Type') || '';
	const body = type.includes('json') ? await r.json() : await r.text();
	if (!r.ok) {
		const err = new Error(body.detail || ('HTTP ' + r.status));
		err.field = body.field;
		err.status = r.status;
		throw err;
	}
	return body;
}

// 3 significant digits, never in exponent notation (1230, not 1.23e+3).
function fmt3(v) {
	return String(Number(v.toPrecision(3)));
}

function fmtNs(v) {
	if (typeof v !== 'number' || !Number.isFinite(v)) return '-';
	const units = [[1e9, 's'], [1e6, 'ms'], [1e3, 'µs'], [1, 'ns']];
	for (const [scale, unit] of units)
		if (Math.abs(v) >= scale || unit === 'ns') return fmt3(v / scale) + ' ' + unit;
}

// Bytes in binary units: 36 KiB, 4.5 MiB; '-' for none.
function fmtBytes(v) {
	if (typeof v !== 'number' || !Number.isFinite(v)) return '-';
	const units = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB'], [1, 'B']];
	for (const [scale, unit] of units)
		if (Math.abs(v) >= scale || unit === 'B') return fmt3(v / scale) + ' ' + unit;
}

// A figure in its stored unit, as the API names it (a run's metric_units, a
// comparison row's unit); '-' for none (never "NaN").
function fmtUnit(unit, v) {
	if (typeof v !== 'number' || !Number.isFinite(v)) return '-';
	switch (unit) {
	case 'ns': return fmtNs(v);
	case 'ms': return fmtNs(v * 1e6);
	case 'bytes': return fmtBytes(v);
	case 'bytes/GiB': return fmtBytes(v) + '/GiB';
	case 'MiB/s': return fmt3(v) + ' MiB/s';
	case 'KiB/s': return Math.abs(v) >= 1024 ? fmt3(v / 1024) + ' MiB/s' : fmt3(v) + ' KiB/s';
	default: return String(Math.round(v));
	}
}

// A stored time ('2026-11-03T10:00:00.000Z') to the second; '-' for none.
function fmtTime(t) {
	return t ? t.replace('T', ' ').slice(0, 19) : '-';
}

// Seconds as 850 ms, 12.3 s, 4 min 05 s; '-' for none.
function fmtElapsed(s) {
	if (typeof s !== 'number' || !Number.isFinite(s)) return '-';
	if (s < 1) return Math.round(s * 1000) + ' ms';
	if (s < 60) return fmt3(s) + ' s';
	const m = Math.floor(s / 60), rest = Math.floor(s - m * 60);
	return `${m} min ${String(rest).padStart(2, '0')} s`;
}

function stateCell(state) {
	return el('td', { class: 'state-' + state, 'data-state': state }, state);
}

function showError(e) {
	view.append(el('p', { class: 'error', role: 'alert' }, e.message));
}

// --- runs ----------------------------------------------------------------

async function viewRuns(params) {
	const filters = el('form', { class: 'filters', 'data-testid': 'run-filters' });
	const field = (name, control) => el('label', {}, name, control);
	const state = el('select', { name: 'state' }, el('option', { value: '' }, 'any'),
		['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted'].map(s =>
			el('option', { value: s, selected: params.get('state') === s }, s)));
	const kind = el('select', { name: 'kind' }, el('option', { value: '' }, 'any'),
		(await engineList()).map(e => e.kind).map(k => el('option', { value: k, selected: params.get('kind') === k }, k)));
	const label = el('input', { name: 'label', value: params.get('label') || '', size: 12 });
	const kernel = el('select', { name: 'kernel' }, el('option', { value: '' }, 'any'));
	try {
		for (const k of (await api('/kernels')).kernels)
			if (![...kernel.options].some(o => o.value === k.release))
				kernel.append(el('option', { value: k.release, selected: params.get('kernel') === k.release },
					k.release));
	} catch (e) { /* the list still works without kernel names */ }
	filters.append(field('state', state), field('kind', kind), field('label', label),
		field('kernel', kernel), el('button', { type: 'submit' }, 'Filter'));
	filters.addEventListener('submit', ev => {
		ev.preventDefault();
		const q = new URLSearchParams();
		for (const [k, v] of new FormData(filters)) if (v) q.set(k, v);
		location.hash = '#/runs' + (q.toString() ? '?' + q : '');
	});
	const table = el('table', { 'data-testid': 'runs' }, el('thead', {}, el('tr', {},
		['id', 'state', 'result', 'label', 'tags', 'kernel', 'spec', 'created', 'duration', 'headline',
		 'progress'].map(h => el('th', {}, h)))));
	const tbody = el('tbody');
	table.append(tbody);
	view.replaceChildren(el('h2', {}, 'Runs'), filters, table);

	async function refresh() {
		const q = new URLSearchParams();
		for (const k of ['state', 'kind', 'label', 'kernel']) if (params.get(k)) q.set(k, params.get(k));
		q.set('limit', '100');
		const page = await api('/runs?' + q);
		tbody.replaceChildren(...page.runs.map(r => el('tr', { 'data-run': r.id },
			el('td', {}, el('a', { href: '#/run/' + r.id }, String(r.id))),
			stateCell(r.state), el('td', {}, r.result || ''), el('td', {}, r.label),
			el('td', { class: 'tags' }, fmtTags(r.tags)),
			el('td', {}, r.kernel ? r.kernel.release : ''),
			el('td', { class: 'spec' }, r.description || ''),
			el('td', { class: 'created' }, fmtTime(r.created_at)),
			el('td', { class: 'duration' }, fmtElapsed(r.duration_s)),
			el('td', { class: 'headline', title: r.headline ? r.headline.metric + ', median of the run' : '' },
				r.headline ? `${r.headline.metric} ${fmtUnit(r.headline.unit, r.headline.median)}` : ''),
			// a finished run says what it measured in its own columns; a live one how far it is
			el('td', { class: 'muted progress' }, ['queued', 'running'].includes(r.state) ? r.progress || '' :
				r.error || ''))));
		// live: every second while runs are queued or running, else now and then
		const live = page.runs.some(r => r.state === 'queued' || r.state === 'running');
		timer = setTimeout(() => refresh().catch(showError), live ? 1000 : 5000);
	}
	await refresh();
}

// --- compare -------------------------------------------------------------

// Where a row's dots may fall: its values and CIs, both sides.
function rowExtent(row) {
	const all = [...(row.base.values || []), ...(row.new.values || [])];
	for (const side of [row.base, row.new])
		if (side.median_ci) all.push(...side.median_ci);
	return all.length ? [Math.min(...all), Math.max(...all)] : null;
}

// Each metric's one scale: every row of it (over runs, over iterations,
// each sweep value) drawn on the same axis, so their spreads compare.
function metricScales(rows) {
	const scales = new Map();
	for (const r of rows) {
		const e = rowExtent(r), s = scales.get(r.metric);
		if (e) scales.set(r.metric, s ? [Math.min(s[0], e[0]), Math.max(s[1], e[1])] : e);
	}
	return scales;
}

// The two sides' values as dots, with the median's 95% CI as a whisker,
// on the metric's scale [lo, hi], with its axis labelled in the row's unit.
function dotPlot(row, [lo, hi]) {
	const ns = 'http://www.w3.org/2000/svg';
	const w = 320, h = 74, axis = 56;
	if (!rowExtent(row)) return el('span', { class: 'muted' }, 'too many values to draw');
	const x = v => 10 + (hi > lo ? (v - lo) / (hi - lo) : 0.5) * (w - 20);
	const svg = document.createElementNS(ns, 'svg');
	svg.setAttribute('class', 'dots');
	svg.setAttribute('width', w);
	svg.setAttribute('height', h);
	svg.dataset.lo = lo;
	svg.dataset.hi = hi;
	const add = (tag, attrs, text) => {
		const e = document.createElementNS(ns, tag);
		for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
		if (text !== undefined) e.textContent = text;
		svg.append(e);
	};
	add('line', { x1: x(lo), x2: x(hi), y1: axis, y2: axis, stroke: '#8c959f', 'stroke-width': 1, class: 'axis' });
	for (const [v, anchor] of hi > lo ? [[lo, 'start'], [(lo + hi) / 2, 'middle'], [hi, 'end']] : [[lo, 'middle']]) {
		add('line', { x1: x(v), x2: x(v), y1: axis, y2: axis + 4, stroke: '#8c959f' });
		add('text', { x: x(v), y: axis + 15, 'text-anchor': anchor, 'font-size': 10, fill: '#57606a',
			class: 'tick' }, fmtUnit(row.unit, v));
	}
	[[row.base, 16, '#5c6670'], [row.new, 40, '#1f6feb']].forEach(([side, y, color]) => {
		if (side.median_ci) add('line', { x1: x(side.median_ci[0]), x2: x(side.median_ci[1]), y1: y, y2: y,
			stroke: color, 'stroke-width': 2 });
		for (const v of side.values || []) add('circle', { cx: x(v), cy: y, r: 3, fill: color, 'fill-opacity': 0.6 });
		add('line', { x1: x(side.median), x2: x(side.median), y1: y - 8, y2: y + 8, stroke: color, 'stroke-width': 3 });
	});
	return svg;
}

async function viewCompare(params) {
	const runs = (await api('/runs?state=done&limit=500')).runs;
	const labels = [...new Set(runs.map(r => r.label).filter(Boolean))];
	const kernels = [...new Set(runs.map(r => r.kernel && r.kernel.release).filter(Boolean))];
	const sweeps = [...new Map(runs.filter(r => r.sweep).map(r => [r.sweep.id, r])).values()];
	const tags = [...new Set(runs.flatMap(r => Object.entries(r.tags || {}).map(([k, v]) => `${k}=${v}`)))].sort();
	// a group's runs (a request's repeats) by their ids, the oldest first
	const groups = new Map();
	for (const r of [...runs].reverse())
		if (!r.sweep) (groups.get(r.group.id) || groups.set(r.group.id, []).get(r.group.id)).push(r);
	const idGroups = [...groups.values()].filter(g => g.length > 1);
	const option = (value, current, text) => el('option', { value, selected: current === value }, text);
	const choice = (name, current) => el('select', { name },
		labels.map(l => option(l, current, 'label ' + l)),
		kernels.map(k => option('kernel:' + k, current, 'kernel ' + k)),
		tags.map(t => option('tag:' + t, current, 'tag ' + t)),
		sweeps.map(r => option('sweep:' + r.sweep.id, current,
			`sweep ${r.sweep.id} (${r.sweep.keys.join(', ')}${r.label ? ', ' + r.label : ''})`)),
		idGroups.map(g => option('runs:' + g.map(r => r.id).join(','), current,
			`runs ${g.map(r => r.id).join(',')} (${g[0].label ? g[0].label + ', ' : ''}${g[0].description})`)));
	const base = choice('base', params.get('base') || labels[0]);
	const nw = choice('new', params.get('new') || labels[1] || labels[0]);
	const vary = el('input', { name: 'vary', value: params.get('vary') || '', placeholder: 'e.g. backing' });
	const form = el('form', { class: 'pick', 'data-testid': 'compare-form' },
		el('label', {}, 'base', base), el('label', {}, 'new', nw), el('label', {}, 'vary', vary),
		el('button', { type: 'submit' }, 'Compare'));
	form.addEventListener('submit', ev => {
		ev.preventDefault();
		const q = new URLSearchParams({ base: base.value, new: nw.value });
		if (vary.value) q.set('vary', vary.value);
		location.hash = '#/compare?' + q;
	});
	view.replaceChildren(el('h2', {}, 'Compare'), form);
	if (!params.get('base') || !params.get('new')) return;

	const q = new URLSearchParams({ base: params.get('base'), new: params.get('new') });
	if (params.get('vary')) q.set('vary', params.get('vary'));
	let model;
	try {
		model = await api('/compare?' + q);
	} catch (e) {
		return showError(e);
	}
	const text = await api('/compare?' + q + '&format=text');
	// a row over iterations is described, not tested: no p, no verdict
	const verdict = r => r.verdict === null ? 'not tested' : r.verdict;
	const scales = metricScales(model.metrics);
	const rows = model.metrics.map(r => el('tr', { 'data-verdict': verdict(r), 'data-metric': r.metric },
		el('td', {}, r.metric, r.label ? el('div', { class: 'muted' }, r.label) : null,
			r.point ? el('div', { class: 'muted', 'data-testid': 'point' },
				sweepPointText(model.sweep.keys, r.point)) : null), el('td', {}, r.over),
		el('td', { class: 'num' }, fmtUnit(r.unit, r.base.median)),
		el('td', { class: 'num' }, fmtUnit(r.unit, r.new.median)),
		el('td', { class: 'num' }, r.delta_pct === null ? '-' : r.delta_pct.toFixed(1) + '%',
			r.delta_pct_ci ? el('div', { class: 'muted' },
				`[${r.delta_pct_ci[0].toFixed(1)}, ${r.delta_pct_ci[1].toFixed(1)}]`) : null),
		el('td', { class: 'num' }, r.p_adjusted === null ? '-' : r.p_adjusted.toPrecision(2)),
		el('td', { class: 'verdict-' + verdict(r).replaceAll(' ', '-') }, verdict(r),
			r.detectable_pct === null ? null : el('div', { class: 'muted' },
				`detectable ${r.detectable_pct.toFixed(1)}%`)), el('td', {}, dotPlot(r, scales.get(r.metric) || [0, 0]))));
	const download = el('a', { href: API + '/compare?' + q + '&format=text', download: 'migbench-compare.txt' },
		'Download');
	// the DOM's append writes null as "null": what a model lacks is left out
	view.append(...[
		el('p', { 'data-testid': 'sides' }, `base: ${model.base.kernel.release} "${model.base.label}", ` +
			`${plural(model.base.runs.length, 'run')}; new: ${model.new.kernel.release} "${model.new.label}", ` +
			`${plural(model.new.runs.length, 'run')}; ${model.test}, alpha ${model.alpha}`),
		...specCommands(model.command, model.selftest),
		model.sweep ? sweepCharts(model) : null,
		el('table', { 'data-testid': 'compare-rows' }, el('tr', {},
			['metric', 'over', 'base', 'new', 'delta (95% CI)', 'p (Holm)', 'verdict', 'values (grey base, blue new; bar: median, line: its 95% CI; one axis per metric)']
				.map(h => el('th', {}, h))), rows),
		(model.missing || []).length ? el('div', { class: 'card' }, el('h3', {}, 'Not measured'),
			el('ul', { class: 'not-measured', 'data-testid': 'compare-missing' }, model.missing.map(m =>
				el('li', { 'data-metric': m.metric, 'data-side': m.side }, el('code', {}, m.metric),
					(m.label ? ` (${m.label})` : '') + `: ${m.side} side, ${m.runs_without} of ${m.runs} runs: ` +
					m.reasons.map(r => m.reasons.length > 1 ? `${r.reason} (${r.runs})` : r.reason).join('; '))))) : null,
		model.warnings.length ? el('div', { class: 'card' }, el('h3', {}, 'Warnings'),
			el('ul', { class: 'warnings', 'data-testid': 'warnings' }, model.warnings.map(w => el('li', {}, w)))) : null,
		el('div', { class: 'card' }, el('h3', {}, 'Report for the cover letter'),
			el('button', { type: 'button', onclick: () => navigator.clipboard.writeText(text) }, 'Copy'), ' ', download,
			el('pre', { 'data-testid': 'report' }, text)),
	].filter(Boolean));
}

// --- host ----------------------------------------------------------------

async function viewHost() {
	const h = await api('/host');
	const row = (k, v, attrs) => el('tr', {}, el('th', {}, k), el('td', attrs || {}, v));
	const pools = Object.entries(h.hugepages || {});
	const caps = Object.entries(h.kvm_capabilities || {});
	view.replaceChildren(el('h2', {}, 'Host'),
		el('div', { class: 'card' }, el('table', { 'data-testid': 'host' },
			row('host', h.hostname || '-'),
			row('kernel', `${h.kernel.release} ${h.kernel.version}`, { 'data-testid': 'kernel' }),
			row('CPU', `${h.cpu_model}, ${h.online_cpus} CPUs, ${fmtBytes(h.mem_total_bytes)} of memory`),
			row('clocksource', h.clocksource || '-'),
			row('command line', h.cmdline || '-'),
			row('KVM', h.kvm_available ? 'available' : 'not available'),
			row('QEMU', h.qemu_version || 'not installed'),
			row('libvirt', h.libvirt_version || 'not installed'),
			row('running now', h.running_run ? el('a', { href: '#/run/' + h.running_run }, 'run ' + h.running_run) :
				'nothing'),
			row('queued', String(h.queued_runs), { 'data-testid': 'queued' }),
			h.queue_paused ? row('queue paused', h.queue_paused) : null)),
		el('div', { class: 'card' }, el('h3', {}, 'Hugepage pools'),
			el('table', { 'data-testid': 'pools' },
				el('tr', {}, ['pool', 'nr', 'free', 'resv', 'surplus'].map(c => el('th', {}, c))),
				pools.map(([size, p]) => el('tr', { 'data-size': size }, el('th', {}, size),
					['nr', 'free', 'resv', 'surplus'].map(c => el('td', { class: 'num' }, String(p[c]))))))),
		el('div', { class: 'card' }, el('h3', {}, 'KVM module parameters'), paramsTable(h.kvm_parameters)),
		el('div', { class: 'card' }, el('h3', {}, 'KVM capabilities'),
			el('table', { 'data-testid': 'capabilities' }, caps.map(([k, v]) => row(k, String(v))))));
	timer = setTimeout(() => route(), 2000);
}

// --- routing ---------------------------------------------------------------

async function route() {
	clearTimeout(timer);
	timer = null;
	const [path, query] = (location.hash.slice(1) || '/runs').split('?');
	const params = new URLSearchParams(query || '');
	const parts = path.split('/').filter(Boolean);
	try {
		if (parts[0] === 'run' && /^\d+$/.test(parts[1] || '')) await viewRun(parts[1]);
		else if (parts[0] === 'campaigns') await viewCampaigns();
		else if (parts[0] === 'campaign' && /^\d+$/.test(parts[1] || '')) await viewCampaign(parts[1]);
		else if (parts[0] === 'compare') await viewCompare(params);
		else if (parts[0] === 'host') await viewHost();
		else if (parts[0] === 'schedule') await viewSchedule(params);
		else await viewRuns(params);
	} catch (e) {
		showError(e);
	}
}

window.addEventListener('hashchange', route);
route();
