// SPDX-License-Identifier: MIT
// Checks of a dirty-log run's view against the run as the API serves it:
// KVM's statistics per phase (a row after populate, enabling, each
// iteration and each zap step, in the order the spec makes them, each
// value the samples document's), the huge-mappings statement of the run's
// environment, the kernel memory figures in bytes, and no kvm_stat row in
// the summary or the plots.  Used by test-web.mjs.

const KVM_STAT = 'kvm_stat.';
const UNITS = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

const api = async (base, path) => (await fetch(base + '/api/v1' + path)).json();

// "36 KiB" (or "4.5 MiB/GiB") as bytes; NaN when it is not bytes.
function parseBytes(text) {
	const m = /^(\d+(?:\.\d+)?) (B|KiB|MiB|GiB)(?:\/GiB)?$/.exec(text);
	return m ? Number(m[1]) * UNITS[m[2]] : NaN;
}

// Shown to 3 significant digits: within half a unit of the third digit.
const near = (shown, value) => Math.abs(shown - value) <= Math.abs(value) * 0.005 + 0.5;

// The table as the page shows it: each reading's row with its cells.
async function shownTable(page) {
	return page.$$eval('[data-testid=kvm-stat] table.kvm-stat tr[data-reading]', trs => trs.map(tr => ({
		reading: Number(tr.dataset.reading), phase: tr.dataset.phase, label: tr.querySelector('th').textContent,
		cells: Object.fromEntries([...tr.querySelectorAll('td[data-stat]')].map(td => [td.dataset.stat, {
			value: td.querySelector('.value') ? td.querySelector('.value').textContent : td.textContent,
			delta: td.querySelector('.delta') ? td.querySelector('.delta').textContent : null }])) })));
}

async function checkKvmStats(page, run, samples, name, check) {
	const spec = run.resolved_spec;
	const stat = {};	// name: {reading: value}
	const phase = {};	// reading: phase
	for (const s of samples.filter(x => x.metric.startsWith(KVM_STAT))) {
		(stat[s.metric.slice(KVM_STAT.length)] = stat[s.metric.slice(KVM_STAT.length)] || {})[s.iteration] = s.value;
		phase[s.iteration] = s.phase;
	}
	const names = Object.keys(stat);
	check(names.length > 0, `${name}: the run has KVM's statistics to show (${names.length})`,
	      run.environment.kvm_stat_missing);
	// the rows the spec calls for, independently of the samples
	const want = ['populate', 'enable'].concat(Array.from({ length: spec.iterations }, (_, i) => `iteration ${i + 1}`),
		spec.zap);
	const rows = await shownTable(page);
	check(rows.map(r => r.label).join() === want.join() &&
	      rows.every((r, i) => i === 0 || r.reading > rows[i - 1].reading),
	      `${name}: KVM's statistics have a row after populate, enable, each iteration and each zap step, in order`,
	      `rows ${rows.map(r => r.label)}, wanted ${want}`);
	check(rows.map(r => r.reading).join() === Object.keys(phase).map(Number).sort((a, b) => a - b).join() &&
	      rows.every(r => r.phase === phase[r.reading]),
	      `${name}: a row for each reading of the samples, with its phase`,
	      `rows ${rows.map(r => r.reading + ':' + r.phase)}, samples ${JSON.stringify(phase)}`);

	const nonzero = names.filter(n => Object.values(stat[n]).some(v => v !== 0));
	const columns = await page.$$eval('[data-testid=kvm-stat] table.kvm-stat tr:first-child th',
		ths => ths.slice(1).map(th => th.textContent));
	const pages = columns.filter(c => /^pages_/.test(c));
	check(columns.slice().sort().join() === nonzero.sort().join() &&
	      pages.join() === ['pages_4k', 'pages_2m', 'pages_1g'].filter(p => pages.includes(p)).join() &&
	      columns.slice(0, pages.length).join() === pages.join(),
	      `${name}: a column for each statistic ever non-zero, KVM's page counts first`,
	      `columns ${columns}, non-zero ${nonzero}`);
	const wrong = [];
	rows.forEach((r, i) => {
		for (const n of columns) {
			const v = stat[n][r.reading], before = i ? stat[n][rows[i - 1].reading] : v;
			const delta = v === before ? null : (v > before ? '+' : '−') + Math.abs(v - before);
			const cell = r.cells[n] || {};
			if (cell.value !== String(v) || cell.delta !== delta)
				wrong.push(`${r.label} ${n}: shown ${cell.value} ${cell.delta}, API ${v} ${delta}`);
		}
	});
	check(!wrong.length && rows.length, `${name}: each value is the samples API's, with its change since the reading before`,
	      wrong.slice(0, 5).join('; '));

	const zero = names.filter(n => !nonzero.includes(n));
	const folded = zero.length ? await page.$eval('[data-testid=kvm-stat-zero]', d => ({
		summary: d.querySelector('summary').textContent, names: d.querySelector('p').textContent })) : null;
	check(zero.length ? folded.summary === `${zero.length} of ${names.length} statistics were 0 at every reading` &&
	      folded.names.split(', ').sort().join() === zero.sort().join() :
	      await page.$('[data-testid=kvm-stat-zero]') === null,
	      `${name}: the statistics always 0 are counted and named in a folded line (${zero.length})`,
	      JSON.stringify(folded) + ' zero ' + zero);
}

// The memory figures: each total and per-GiB figure in byte units, and exactly.
async function checkMemory(page, run, samples, name, check) {
	const value = m => (samples.find(s => s.metric === m) || {}).value;
	const missing = run.missing || {};
	for (const metric of ['memslot_metadata_bytes', 'dirty_bitmap_bytes']) {
		const cells = await page.$$eval(`[data-testid=kernel-memory] tr[data-metric=${metric}] td`, tds => tds.map(td => ({
			bytes: td.dataset.bytes, shown: td.firstChild ? td.firstChild.textContent : '',
			exact: td.querySelector('.exact') ? td.querySelector('.exact').textContent : null, text: td.textContent })));
		if (value(metric) === undefined) {
			check(cells.length === 1 && cells[0].text === 'not measured: ' + missing[metric],
			      `${name}: ${metric} is shown as not measured, with why`, JSON.stringify(cells));
			continue;
		}
		const good = [metric, metric + '_per_gib'].every((m, i) => cells[i] && Number(cells[i].bytes) === value(m) &&
			near(parseBytes(cells[i].shown), value(m)) && cells[i].exact === `${value(m)} bytes`);
		check(good, `${name}: ${metric} and per GiB shown in bytes (${value(metric)}, ${value(metric + '_per_gib')})`,
		      JSON.stringify(cells));
	}
}

// The summary table (metric, what, n, min ...) and the plots: no kvm_stat rows; bytes shown as bytes.
async function checkSummary(page, run, name, check) {
	const rows = await page.$$eval('[data-testid=summary] tr', trs => trs.slice(1).map(tr =>
		[...tr.children].map(td => td.textContent)));
	const titles = await page.$$eval('.plot h3', hs => hs.map(h => h.textContent));
	check(!Object.keys(run.summary || {}).some(m => m.startsWith(KVM_STAT)) &&
	      !rows.some(r => r[0].startsWith(KVM_STAT)) && !titles.some(t => t.includes('kvm_stat')),
	      `${name}: KVM's statistics are neither in the run's summary nor in the view's summary or plots`,
	      rows.map(r => r[0]).join(', '));
	const bytes = rows.filter(r => /_bytes(_per_gib)?$/.test(r[0]));
	const measured = Object.keys(run.summary || {}).filter(m => /_bytes(_per_gib)?$/.test(m));
	check(bytes.map(r => r[0]).sort().join() === measured.sort().join() && bytes.every(r => r.slice(3).every((cell, i) => cell.endsWith(r[0].endsWith('_gib') ?
		'/GiB' : 'B') && near(parseBytes(cell), run.summary[r[0]][['min', 'median', 'mean', 'p95', 'max'][i]]))),
	      `${name}: the summary shows the memory figures in bytes, not as times`, JSON.stringify(bytes));
}

export async function checkDirtylogView(page, base, id, name, check) {
	const run = await api(base, `/runs/${id}`);
	const samples = (await api(base, `/runs/${id}/samples`)).samples;
	const statement = (run.environment.huge_mappings || {}).statement;
	const cards = await page.$$eval('[data-testid=dirtylog-facts], [data-testid=kvm-stat]', cs => cs.map(c => c.textContent));
	check(cards.length === 2 && !cards.some(t => /undefined|NaN|null/.test(t)),
	      `${name}: the huge mappings, memory and statistics cards are there, with no "undefined", "NaN" or "null"`,
	      cards.map(t => (t.match(/.{0,60}(undefined|NaN|null).{0,60}/) || [''])[0]).join(' | '));
	check(statement && await page.textContent('[data-testid=huge-mappings]') === statement,
	      `${name}: the huge-mappings statement is the run's ("${statement}")`);
	await checkKvmStats(page, run, samples, name, check);
	await checkMemory(page, run, samples, name, check);
	await checkSummary(page, run, name, check);
}
