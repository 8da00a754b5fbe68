// SPDX-License-Identifier: MIT
// What every view must be to read at a glance, checked against the API:
// a run view's summary as its first table, its spec as a table of the
// run's own keys and its tags as text, its hugepage pools as a table; each
// chart with labelled axes, whole-number ticks where the x axis counts
// iterations or calls, and a legend giving values with units; the compare
// view's rows of one metric on one labelled scale; the host page's pools
// and KVM module parameters as tables.  Used by test-web.mjs.

const api = async (base, path) => (await fetch(base + '/api/v1' + path)).json();

// A spec value as the run view writes it.
const specValue = v => Array.isArray(v) ? v.join(', ') : typeof v === 'object' && v !== null ?
	JSON.stringify(v) : String(v);

// Each chart on the page: its axes' labels, its x ticks and its legend.
function charts(page) {
	return page.$$eval('.plot', boxes => boxes.filter(b => b.uplot).map(b => {
		const u = b.uplot;
		return {
			title: b.querySelector('h3').textContent,
			axes: u.axes.map(a => a.label || ''),
			xticks: u.axes[0]._splits || [],
			legend: [...b.querySelectorAll('.u-legend .u-series')].map(s => s.textContent),
		};
	}));
}

export async function checkRunLayout(page, base, id, name, check) {
	const run = await api(base, `/runs/${id}`);
	const first = await page.$eval('#view', v => { const t = v.querySelector('table'); return t && t.dataset.testid; });
	check(first === 'summary', `${name}: the summary is the view's first table`, `first table: ${first}`);
	const spec = run.resolved_spec || run.spec;
	const rows = await page.$$eval('[data-testid=spec] tr[data-key]', trs =>
		trs.map(tr => [tr.dataset.key, tr.querySelector('td').textContent]));
	check(JSON.stringify(rows) === JSON.stringify(Object.entries(spec).map(([k, v]) => [k, specValue(v)])),
	      `${name}: the spec is a table of the run's keys and values, its JSON folded`, JSON.stringify(rows).slice(0, 200));
	const tags = Object.entries(run.tags || {}).map(([k, v]) => `${k}=${v}`).join(', ');
	check(await page.textContent('[data-testid=tags]') === (tags ? 'tags: ' + tags : 'no tags'),
	      `${name}: its tags as text`, await page.textContent('[data-testid=tags]'));
	const env = run.environment || {};
	const pools = await page.$$eval('[data-testid=hugepages] tr[data-size]', trs =>
		trs.map(tr => [tr.dataset.size, [...tr.querySelectorAll('td')].map(td => td.textContent)]));
	const want = Object.keys(env.hugepages_before || {}).map(s => [s, ['nr', 'free', 'resv', 'surplus'].map(k =>
		`${env.hugepages_before[s][k]} / ${(env.hugepages_after || {})[s] ? env.hugepages_after[s][k] : '-'}`)]);
	check(JSON.stringify(pools) === JSON.stringify(want) && (want.length || !env.hugepages_before),
	      `${name}: the hugepage pools before and after as a table, not JSON (${want.length ? want.length + ' pools' :
	      'none recorded'})`, JSON.stringify(pools));
	const shown = await charts(page);
	const counted = shown.filter(c => ['iteration', 'call'].includes(c.axes[0]));
	check(shown.every(c => c.axes[0] && c.axes[1]),
	      `${name}: every chart (${shown.length}) has both axes labelled, the y axis in its unit`,
	      JSON.stringify(shown.map(c => [c.title, c.axes])));
	check(counted.every(c => c.xticks.length && c.xticks.every(Number.isInteger)),
	      `${name}: an axis of iterations or calls ticks at whole numbers (${counted.length} charts)`,
	      JSON.stringify(counted.map(c => c.xticks)));
	check(shown.every(c => c.legend.length >= 2 && !c.legend.some(l => l.includes('--')) &&
	                      c.legend.slice(1).some(l => /\d/.test(l))),
	      `${name}: each legend gives values (the last point's until hovered), never "--"`,
	      JSON.stringify(shown.map(c => c.legend)).slice(0, 300));
	const withUnit = shown.filter(c => /\((µs|ms|MiB\/s|MiB)\)/.test(c.title) || /^(µs|ms|MiB\/s|MiB|pages\/s)$/.test(c.axes[1]));
	check(withUnit.every(c => c.legend.slice(1).some(l => l.includes(c.axes[1]))),
	      `${name}: and each value with its unit`, JSON.stringify(withUnit.map(c => [c.axes[1], c.legend])).slice(0, 300));
}

export async function checkCompareLayout(page, base, query, check) {
	const model = await api(base, '/compare?' + query);
	const rows = await page.$$eval('[data-testid=compare-rows] tr[data-metric]', trs => trs.map(tr => {
		const svg = tr.querySelector('svg.dots');
		return { metric: tr.dataset.metric, lo: svg && Number(svg.dataset.lo), hi: svg && Number(svg.dataset.hi),
			 ticks: svg ? [...svg.querySelectorAll('text.tick')].map(t => t.textContent) : [] };
	}));
	const byMetric = new Map();
	for (const r of rows) (byMetric.get(r.metric) || byMetric.set(r.metric, []).get(r.metric)).push(r);
	const shared = [...byMetric.values()].filter(rs => rs.length > 1);
	check(shared.length && shared.every(rs => rs.every(r => r.lo === rs[0].lo && r.hi === rs[0].hi)),
	      'compare view: the rows of one metric share one scale', JSON.stringify(shared.slice(0, 2)));
	const extent = m => {
		const v = model.metrics.filter(r => r.metric === m).flatMap(r => [...(r.base.values || []), ...(r.new.values || []),
			...(r.base.median_ci || []), ...(r.new.median_ci || [])]);
		return [Math.min(...v), Math.max(...v)];
	};
	check(rows.every(r => r.lo === extent(r.metric)[0] && r.hi === extent(r.metric)[1]),
	      "compare view: each metric's scale spans both sides' values and CIs over all its rows");
	check(rows.every(r => r.ticks.length >= 1 && r.ticks.every(t => /\d/.test(t))),
	      'compare view: each plot has an axis with its scale written in the metric\'s unit',
	      JSON.stringify(rows.map(r => r.ticks)).slice(0, 200));
	const sides = await page.textContent('[data-testid=sides]');
	check(!/\b1 runs\b/.test(sides) && sides.includes(`${model.base.runs.length} run`),
	      'compare view: "1 run", "5 runs"', sides);
}

export async function checkHostLayout(page, base, check) {
	const host = await api(base, '/host');
	const wide = await page.$$eval('[data-testid=host] tr', trs => trs.filter(tr => tr.children.length !== 2).length);
	check(wide === 0, 'host page: every row a name and a value, no stray column');
	const pools = await page.$$eval('[data-testid=pools] tr[data-size]', trs =>
		trs.map(tr => [tr.dataset.size, [...tr.querySelectorAll('td')].map(td => Number(td.textContent))]));
	check(JSON.stringify(pools) === JSON.stringify(Object.entries(host.hugepages).map(([s, p]) =>
		[s, [p.nr, p.free, p.resv, p.surplus]])), 'host page: the hugepage pools as a table', JSON.stringify(pools));
	const params = await page.$$eval('[data-testid=kvm-parameters] tr[data-param]', trs =>
		Object.fromEntries(trs.map(tr => [tr.dataset.param, tr.children[2].textContent])));
	const want = Object.entries(host.kvm_parameters || {}).flatMap(([m, p]) =>
		Object.entries(p).map(([k, v]) => [`${m}.${k}`, String(v)]));
	check(want.length && want.every(([k, v]) => params[k] === v) && 'kvm.tdp_mmu' in params &&
	      'kvm.eager_page_split' in params,
	      `host page: every KVM module parameter in a table (${want.length}; kvm.tdp_mmu=${params['kvm.tdp_mmu']})`);
}
