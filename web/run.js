// SPDX-License-Identifier: MIT
// The run view: state and tags, the summary (its headline metrics first,
// the view's first table), the spec as a table (with migbench's command
// line and the kernel selftest's), environment, what was not measured and
// why, and the plots of its samples.  A migration's job
// statistics carry its phases and iterations as marks, and the guest's
// own progress per vCPU has a chart of its own when the run recorded it.
'use strict';

const fmtSeconds = v => fmt3(v) + ' s';

// The first value of a once-per-run metric; undefined when not recorded.
function firstValue(byMetric, metric) {
	const rows = byMetric[metric];
	return rows && rows.length ? rows[0].value : undefined;
}

// A migration's phases (bands) and the start of each iteration (lines),
// in seconds after the job started, from what the run recorded: a phase
// whose figures are missing is left out, not drawn from a guess.
function migrationMarks(byMetric) {
	const dest = firstValue(byMetric, 'migration_dest_start_ms');
	const precopy = firstValue(byMetric, 'migration_precopy_ms');
	const postcopy = firstValue(byMetric, 'migration_postcopy_ms');
	const total = firstValue(byMetric, 'migration_total_ms');
	const bands = [], lines = [];
	if (dest !== undefined) bands.push({ kind: 'dest-start', label: 'destination start', from: 0, to: dest });
	if (dest !== undefined && precopy !== undefined) {
		bands.push({ kind: 'precopy', label: 'precopy', from: dest, to: dest + precopy });
		if (postcopy !== undefined)
			bands.push({ kind: 'postcopy', label: 'postcopy', from: dest + precopy, to: dest + precopy + postcopy });
	}
	for (const s of byMetric.migration_iteration_t_ms || [])
		lines.push({ kind: 'iteration', at: s.value, label: '#' + s.iteration, title: 'iteration ' + s.iteration });
	// the end is the job's total time; without it, where the last phase ends
	const end = total !== undefined ? total : bands.length ? bands[bands.length - 1].to : undefined;
	if (end !== undefined && (bands.length || lines.length))
		lines.push({ kind: 'end', at: end, label: 'end', title: 'end' });
	const toSeconds = m => Object.assign({}, m, m.at !== undefined ? { at: m.at / 1000 } :
		{ from: m.from / 1000, to: m.to / 1000 });
	return { bands: bands.map(toSeconds), lines: lines.map(toSeconds) };
}

// guest_write_rate_kib_s per vCPU (iteration) against guest_t_ms, both by
// window (seq); a window one vCPU lacks is a gap, not a 0.
function guestChart(byMetric, marks, missing) {
	const t = new Map((byMetric.guest_t_ms || []).map(s => [s.seq, s.value]));
	const rates = byMetric.guest_write_rate_kib_s || [];
	if (!t.size || !rates.length) return null;
	const windows = [...t.keys()].sort((a, b) => t.get(a) - t.get(b));
	const vcpus = [...new Set(rates.map(s => s.iteration))].sort((a, b) => a - b);
	const series = vcpus.map(v => {
		const byWindow = new Map(rates.filter(s => s.iteration === v).map(s => [s.seq, s.value / 1024]));
		return { label: 'vCPU ' + v, values: windows.map(w => byWindow.has(w) ? byWindow.get(w) : null) };
	});
	const chart = plot('Guest: writes per vCPU (MiB/s) in 10 ms windows', windows.map(w => t.get(w) / 1000),
		series, 'MiB/s', 'seconds', { marks, fmtX: fmtSeconds, testid: 'guest-plot' });
	const stall = byMetric.guest_stall_ms || [];
	const side = el('div', { class: 'card', 'data-testid': 'guest-stall' }, el('h3', {}, 'Longest guest stall'),
		stall.length ? el('p', {}, el('strong', {}, fmtUnit('ms', Math.max(...stall.map(s => s.value)))),
			' without progress on a vCPU during the migration') :
			el('p', { class: 'muted' }, missing.guest_stall_ms ? 'not measured: ' + missing.guest_stall_ms :
				'not recorded by this run'));
	return [chart, side];
}

function migrationPlots(byMetric, missing) {
	const out = [];
	const t = (byMetric.job_t_ms || []).map(s => s.value / 1000);
	const marks = migrationMarks(byMetric);
	if (t.length) {
		out.push(plot('Migration: memory remaining (MiB) and iteration', t, [
			{ label: 'remaining', values: (byMetric.job_memory_remaining_bytes || []).map(s => s.value / 1048576) },
			{ label: 'iteration', values: (byMetric.job_t_ms || []).map(s => s.iteration), scale: 'right' }],
			'MiB', 'seconds', { marks, fmtX: fmtSeconds, testid: 'job-plot' }));
		out.push(plot('Migration: dirty rate (pages/s) and transfer (MiB/s)', t, [
			{ label: 'dirty pages/s', values: (byMetric.job_dirty_rate_pps || []).map(s => s.value) },
			{ label: 'MiB/s', values: (byMetric.job_bps || []).map(s => s.value / 1048576), scale: 'right',
			  unit: 'MiB/s' }],
			'pages/s', 'seconds'));
	}
	out.push(...(guestChart(byMetric, marks, missing) || []));
	for (const [title, metric] of [
		['QEMU KVM_GET_DIRTY_LOG per call (µs)', 'qemu_get_dirty_log_ns'],
		['QEMU KVM_CLEAR_DIRTY_LOG per call (µs)', 'qemu_clear_dirty_log_ns'],
		['QEMU memslot updates disabling dirty logging, the zap (µs)', 'qemu_disable_dirty_log_ns']]) {
		const calls = byMetric[metric] || [];
		if (calls.length)
			out.push(plot(title, calls.map((_, i) => i + 1),
				[{ label: metric, values: calls.map(s => s.value / 1000) }], 'µs', 'call'));
	}
	return out;
}

// Each metric the run should have and did not measure, with why.
function notMeasured(missing) {
	const names = Object.keys(missing).sort();
	if (!names.length) return null;
	return el('div', { class: 'card' }, el('h3', {}, 'Not measured'),
		el('p', { class: 'muted' }, 'These metrics have no value in this run (not 0): why, as the run said.'),
		el('ul', { class: 'not-measured', 'data-testid': 'not-measured' }, names.map(m =>
			el('li', { 'data-metric': m }, el('code', {}, m), ': ', missing[m]))));
}

// --- a dirty-log run: what became of KVM's huge mappings, the kernel memory
// of its memslots, and KVM's statistics after each phase

// The kernel memory the test memslots cost, each also per GiB of test memory.
const KERNEL_MEMORY = [['memslot metadata', 'memslot_metadata_bytes'], ['dirty bitmap', 'dirty_bitmap_bytes']];

// What KVM's page counts say of huge mappings (the run's own statement),
// and the memory figures: for the top of a dirty-log run's view.
function dirtylogFacts(env, byMetric, missing) {
	const huge = env.huge_mappings || {};
	const statement = huge.statement ? huge.statement : env.kvm_stat_missing ?
		"huge mappings not known: KVM's statistics were not read: " + env.kvm_stat_missing : null;
	const rows = KERNEL_MEMORY.map(([what, metric]) => {
		const total = firstValue(byMetric, metric), perGib = firstValue(byMetric, metric + '_per_gib');
		const cells = total === undefined ?
			[el('td', { colspan: 2, class: 'muted' }, missing[metric] ? 'not measured: ' + missing[metric] :
				'not recorded by this run')] :
			[el('td', { class: 'num', 'data-bytes': total }, fmtBytes(total),
				el('span', { class: 'exact' }, `${total} bytes`)),
			 el('td', { class: 'num', 'data-bytes': perGib }, fmtBytes(perGib),
				perGib === undefined ? null : el('span', { class: 'exact' }, `${perGib} bytes`))];
		return el('tr', { 'data-metric': metric }, el('th', {}, what), cells);
	});
	return el('div', { class: 'card dirtylog-facts', 'data-testid': 'dirtylog-facts' },
		statement ? el('p', { class: 'huge-mappings', 'data-testid': 'huge-mappings' }, statement) : null,
		env.aging && env.aging.statement ?
			el('p', { class: 'aging', 'data-testid': 'aging' }, 'aging: ' + env.aging.statement) : null,
		el('table', { class: 'kernel-memory', 'data-testid': 'kernel-memory' },
			el('tr', {}, el('th', {}, 'kernel memory of the test memslots'), el('th', {}, 'total'),
				el('th', {}, 'per GiB of test memory')), rows),
		env.kernel_memory_source ? el('p', { class: 'muted' }, 'measured by ' + env.kernel_memory_source) : null);
}

// KVM's page counts, the columns shown first.
const PAGE_COUNTS = ['pages_4k', 'pages_2m', 'pages_1g'];
const KVM_STAT = 'kvm_stat.';

// KVM's statistics as read after each phase (kvm_stat.<name> samples:
// iteration the reading's number, phase what it followed): a row per
// reading in time order, a column per statistic that is ever non-zero with
// its change since the reading before; the others named in one line.
function kvmStatTable(samples, env) {
	const readings = new Map(), stats = new Set();
	for (const s of samples) {
		if (!s.metric.startsWith(KVM_STAT)) continue;
		const name = s.metric.slice(KVM_STAT.length);
		stats.add(name);
		if (!readings.has(s.iteration))
			readings.set(s.iteration, { phase: s.phase || 'phase ' + s.seq, values: new Map() });
		readings.get(s.iteration).values.set(name, s.value);
	}
	const card = el('div', { class: 'card', 'data-testid': 'kvm-stat' }, el('h3', {}, "KVM's statistics per phase"));
	if (!readings.size) {
		if (!env.kvm_stat_missing) return null;
		card.append(el('p', { class: 'muted' }, 'not read: ' + env.kvm_stat_missing));
		return card;
	}
	const order = [...readings.keys()].sort((a, b) => a - b).map(k => Object.assign({ reading: k }, readings.get(k)));
	const named = PAGE_COUNTS.filter(n => stats.has(n)).concat([...stats].filter(n => !PAGE_COUNTS.includes(n)));
	const shown = named.filter(n => order.some(r => r.values.get(n)));
	const zero = named.filter(n => !shown.includes(n));
	let iteration = 0;
	const rows = order.map((r, i) => {
		const label = r.phase === 'iteration' ? 'iteration ' + ++iteration : r.phase;
		return el('tr', { 'data-reading': r.reading, 'data-phase': r.phase }, el('th', {}, label),
			shown.map(n => {
				const v = r.values.get(n), before = i ? order[i - 1].values.get(n) : undefined;
				if (v === undefined) return el('td', { class: 'num muted', 'data-stat': n }, '-');
				const delta = before === undefined || v === before ? null : v - before;
				return el('td', { class: 'num' + (delta === null ? '' : ' changed'), 'data-stat': n },
					el('span', { class: 'value' }, String(v)), delta === null ? null :
					el('span', { class: 'delta' }, (delta > 0 ? '+' : '−') + Math.abs(delta)));
			}));
	});
	// el() leaves out what is null; append() would write "null"
	card.append(...[el('p', { class: 'muted' }, 'Read after each phase; the change since the reading before in small text.'),
		shown.length ? el('div', { class: 'scroll' }, el('table', { class: 'kvm-stat' },
			el('tr', {}, el('th', {}, 'after'), shown.map(n => el('th', { class: 'num' }, n))), rows)) :
			el('p', {}, 'Every statistic was 0 at every reading.'),
		zero.length ? el('details', { 'data-testid': 'kvm-stat-zero' },
			el('summary', {}, `${zero.length} of ${named.length} statistics were 0 at every reading`),
			el('p', {}, zero.join(', '))) : null,
		env.kvm_stat_skipped ? el('p', { class: 'muted' },
			`${env.kvm_stat_skipped} more statistics (histograms, or past the limit of names) were not recorded`) : null]
		.filter(Boolean));
	return card;
}

// Time series and instants: plotted above, not figures to summarise;
// KVM's statistics are counts per phase, shown in their own table.
const NOT_SUMMARISED = /^(job_|guest_t_ms$|migration_iteration_t_ms$|kvm_stat\.)/;

// The summary, its headline metrics first, each figure in its unit: the
// first table of the view.
function summaryCard(run) {
	const labels = run.metric_labels || {}, units = run.metric_units || {};
	const entries = Object.entries(run.summary || {}).filter(([m]) => !NOT_SUMMARISED.test(m));
	if (!entries.length) return null;
	return el('div', { class: 'card' }, el('h3', {}, 'Summary'),
		el('table', { 'data-testid': 'summary' }, el('tr', {},
			['metric', 'what', 'n', 'min', 'median', 'mean', 'p95', 'max'].map(h => el('th', {}, h))),
			entries.map(([m, s]) => el('tr', { 'data-metric': m },
				el('td', {}, m), el('td', { class: 'muted' }, labels[m] || ''), el('td', { class: 'num' }, s.n),
				['min', 'median', 'mean', 'p95', 'max'].map(k =>
					el('td', { class: 'num' }, fmtUnit(units[m], s[k])))))));
}

// A spec value as the API has it, in a table cell: lists comma-separated.
const specValue = v => Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ?
	JSON.stringify(v) : String(v);

// The spec as a table of its keys, the JSON folded under it.
function specCard(spec) {
	return el('div', { class: 'card' }, el('h3', {}, 'Spec'),
		el('table', { class: 'spec-keys', 'data-testid': 'spec' }, Object.entries(spec || {}).map(([k, v]) =>
			el('tr', { 'data-key': k }, el('th', {}, k), el('td', {}, specValue(v))))),
		el('details', {}, el('summary', {}, 'as JSON'), el('pre', {}, JSON.stringify(spec, null, 1))));
}

// The hugepage pools before and after the run: a row per page size.
function hugepagesTable(before, after) {
	const sizes = [...new Set(Object.keys(before || {}).concat(Object.keys(after || {})))];
	if (!sizes.length) return 'not recorded by this run';
	const cols = ['nr', 'free', 'resv', 'surplus'];
	const cell = (pool, k) => pool && pool[k] !== undefined ? String(pool[k]) : '-';
	return el('table', { class: 'hugepages', 'data-testid': 'hugepages' },
		el('tr', {}, el('th', {}, 'pool'), cols.map(c => el('th', { class: 'num' }, c + ' before / after'))),
		sizes.map(s => el('tr', { 'data-size': s }, el('th', {}, s), cols.map(c =>
			el('td', { class: 'num' }, `${cell((before || {})[s], c)} / ${cell((after || {})[s], c)}`)))));
}

async function viewRun(id) {
	const run = await api('/runs/' + id);
	const kernel = run.kernel || {};
	const env = run.environment || {};
	const missing = run.missing || {};
	const tags = fmtTags(run.tags);	// campaign.js: "base-commit=abc123, series=v3"
	const head = el('div', { class: 'card' },
		el('h2', {}, `Run ${run.id} (${run.kind})`),
		el('p', { 'data-testid': 'spec-description' }, run.description || ''),
		specCommands(run.command, run.selftest),
		el('p', {}, 'state ', el('strong', { class: 'state-' + run.state, 'data-testid': 'run-state' }, run.state),
			run.result ? `, result ${run.result}` : '', run.error ? ` — ${run.error}` : ''),
		el('p', { class: 'muted' }, `label "${run.label}", ` +
			`group ${run.group.id} #${run.group.index}, created ${run.created_at}` +
			(run.started_at && run.finished_at ?
				`, ran ${fmtElapsed((Date.parse(run.finished_at) - Date.parse(run.started_at)) / 1000)}` : '') +
			(run.progress ? `; ${run.progress}` : '')),
		el('p', { 'data-testid': 'tags' }, tags ? 'tags: ' + tags : 'no tags'));
	const params = Object.entries(env.kvm_parameters || {});
	const envTable = el('table', { 'data-testid': 'environment' },
		el('tr', {}, el('th', {}, 'kernel'), el('td', {}, `${kernel.release || '-'} ${kernel.version || ''}`)),
		el('tr', {}, el('th', {}, 'cmdline'), el('td', {}, kernel.cmdline || env.cmdline || '-')),
		el('tr', {}, el('th', {}, 'CPU'), el('td', {}, `${env.cpu_model || '-'}, ${env.online_cpus || '?'} CPUs`)),
		el('tr', {}, el('th', {}, 'clocksource'), el('td', {}, env.clocksource || '-')),
		el('tr', {}, el('th', {}, 'hugepages'), el('td', {}, hugepagesTable(env.hugepages_before, env.hugepages_after))),
		el('tr', {}, el('th', {}, 'KVM parameters'), el('td', {},
			params.length ? el('details', {}, el('summary', {}, params.map(([m, p]) =>
				`${m} (${Object.keys(p || {}).length})`).join(', ')), paramsTable(env.kvm_parameters)) : '-')));
	view.replaceChildren(...[head, summaryCard(run), specCard(run.resolved_spec || run.spec),
		el('div', { class: 'card' }, el('h3', {}, 'Environment'), envTable)].filter(Boolean));
	const gaps = notMeasured(missing);
	if (gaps) view.append(gaps);

	if (run.state === 'queued' || run.state === 'running') {
		const msg = el('span', { class: 'error', 'data-testid': 'cancel-error' });
		head.append(el('button', { type: 'button', 'data-testid': 'cancel', onclick: async () => {
			try {
				// JSON like every POST: migbenchd refuses other types
				await api(`/runs/${id}/cancel`, { method: 'POST', body: '{}',
					headers: { 'Content-Type': 'application/json' } });
			} catch (e) {
				msg.textContent = e.message;
				return;
			}
			route();
		} }, 'Cancel run'), ' ', msg);
		timer = setTimeout(() => route(), 1000);
		return;
	}
	const samples = (await api(`/runs/${id}/samples`)).samples;
	const byMetric = {};
	for (const s of samples) (byMetric[s.metric] = byMetric[s.metric] || []).push(s);
	const perIteration = (metric) => {
		const rows = (byMetric[metric] || []).filter(s => s.iteration > 0 && s.seq === 0);
		return { xs: rows.map(s => s.iteration), values: rows.map(s => s.value) };
	};
	const plots = el('div', { class: 'plots' });
	for (const [title, metrics] of [
		['Clearing the dirty log', ['clear_dirty_log_ns']],
		['Getting the dirty log', ['get_dirty_log_ns']],
		['Dirtying memory, slowest vCPU', ['dirty_memory_ns']],
		['Dirty ring harvest and reset', ['dirty_ring_harvest_ns', 'dirty_ring_reset_ns']]]) {
		const series = metrics.map(m => Object.assign({ label: m }, perIteration(m))).filter(s => s.xs.length);
		if (!series.length) continue;
		// the unit that keeps the axis readable: µs below a millisecond
		const max = Math.max(...series.flatMap(s => s.values));
		const [scale, unit] = max >= 1e6 ? [1e6, 'ms'] : [1e3, 'µs'];
		series.forEach(s => { s.values = s.values.map(v => v / scale); });
		plots.append(plot(`${title} (${unit})`, series[0].xs, series, unit));
	}
	if (run.kind === 'migration')
		plots.append(...migrationPlots(byMetric, missing));
	const zapMetric = byMetric.disable_dirty_log_ns ? 'disable_dirty_log_ns' : 'qemu_disable_dirty_log_ns';
	const zap = (byMetric[zapMetric] || [])[0];
	view.append(el('div', { class: 'card' }, el('h3', {}, 'Disabling dirty logging (zap / huge-page recovery)'),
		el('p', { 'data-testid': 'zap' }, zap ? fmtNs(zap.value) :
			missing[zapMetric] ? 'not measured: ' + missing[zapMetric] : 'not measured')), plots);
	if (run.kind === 'dirtylog') showDirtylog(head, plots, env, samples, byMetric, missing);
}

// KVM's module parameters: a row per parameter, by module.
function paramsTable(params) {
	return el('table', { class: 'kvm-parameters', 'data-testid': 'kvm-parameters' },
		el('tr', {}, el('th', {}, 'module'), el('th', {}, 'parameter'), el('th', {}, 'value')),
		Object.entries(params || {}).flatMap(([module, p]) => Object.entries(p || {}).map(([k, v]) =>
			el('tr', { 'data-param': `${module}.${k}` }, el('td', {}, module), el('td', {}, k), el('td', {}, String(v))))));
}

// A dirty-log run's own cards: its facts under the summary, its statistics per phase before the plots.
function showDirtylog(head, plots, env, samples, byMetric, missing) {
	const summary = view.querySelector('[data-testid=summary]');
	(summary ? summary.closest('.card') : head).after(dirtylogFacts(env, byMetric, missing));
	const stats = kvmStatTable(samples, env);
	if (stats) plots.before(stats);
}
