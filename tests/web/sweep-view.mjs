// SPDX-License-Identifier: MIT
// Checks of the compare view on two sweeps of real runs (vcpus 1 and 2):
// a chart per metric with each side's median against vcpus, the values the
// comparison's JSON has (a median's 95% CI as its band), every chart drawn;
// the rows named by their value; the sweeps offered as choices; and a
// value one side lacks left as a gap, not drawn as 0.  Used by test-web.mjs.

const api = async (base, path) => (await fetch(base + '/api/v1' + path)).json();
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// What each sweep chart on the page holds: its metric, x values and series.
async function shownCharts(page) {
	return page.$$eval('[data-testid=sweep-plot]', boxes => boxes.map(b => ({
		metric: b.dataset.metric, title: b.querySelector('h3').textContent,
		labels: b.uplot.series.map(s => s.label), data: b.uplot.data,
	})));
}

// The series a chart must have for metric, from the comparison's rows.
function expected(model, metric) {
	const rows = model.sweep.points.map(p => model.metrics.find(r => r.metric === metric &&
		r.over === 'runs' && same(r.point, p.values)) || null);
	const pick = (side, f) => rows.map(r => r ? f(r[side]) : null);
	return [model.sweep.points.map(p => p.values.vcpus),
		pick('base', s => s.median), pick('new', s => s.median),
		pick('base', s => s.median_ci ? s.median_ci[0] : null), pick('base', s => s.median_ci ? s.median_ci[1] : null),
		pick('new', s => s.median_ci ? s.median_ci[0] : null), pick('new', s => s.median_ci ? s.median_ci[1] : null)];
}

export async function checkSweepView(page, visit, paintedCanvases, base, sweeps, check) {
	const q = `base=sweep:${sweeps.base}&new=sweep:${sweeps.new}`;
	const model = await api(base, '/compare?' + q);
	await visit(page, '/compare?' + q, '[data-testid=sweep-plot] canvas', 'compare-sweep');
	const charts = await shownCharts(page);
	const metrics = [...new Set(model.metrics.filter(r => r.over === 'runs').map(r => r.metric))];
	check(same(charts.map(c => c.metric), metrics) && charts.every(c => c.title === `${c.metric} by vcpus`),
	      'compare view of two sweeps: a chart per metric against vcpus', charts.map(c => c.title).join('; '));
	check(charts.every(c => same(c.labels.slice(0, 3), ['vcpus', 'base median', 'new median'])),
	      'each chart has a series per side', JSON.stringify(charts[0] && charts[0].labels));
	const wrong = charts.filter(c => !same(c.data, expected(model, c.metric)));
	check(charts.length && !wrong.length, 'each chart plots the comparison\'s medians and their CIs at vcpus 1 and 2',
	      JSON.stringify(wrong.map(c => [c.metric, c.data, expected(model, c.metric)])));
	check(charts.every(c => c.data.slice(3).every(band => band.every(v => typeof v === 'number'))),
	      'with 6 runs a side every median has its 95% CI drawn as a band');
	const painted = await paintedCanvases(page);
	check(painted.length === charts.length && painted.every(n => n > 200), 'every sweep chart is drawn',
	      `painted pixels ${painted}`);
	const points = await page.$$eval('[data-testid=compare-rows] [data-testid=point]', ds => ds.map(d => d.textContent));
	check(same(points, model.metrics.map(r => String(r.point.vcpus))), 'each row names its value of vcpus',
	      points.join(' '));
	const options = await page.$$eval('select[name=base] option', os => os.map(o => o.value));
	check(options.includes(`sweep:${sweeps.base}`) && options.includes(`sweep:${sweeps.new}`),
	      'the form offers the sweeps to compare', options.join(' '));
	check((await page.textContent('[data-testid=report]')).includes('\nsweep: vcpus 1, 2\n'),
	      'the text report names the sweep');
	check(!/\bnull\b/.test(await page.textContent('main')), 'and no "null" is shown for what the model lacks');

	// the new side at vcpus 1 only: its vcpus 2 is a gap, not a 0
	const partial = `base=sweep:${sweeps.base}&new=runs:${sweeps.new_vcpus1.join(',')}`;
	const pmodel = await api(base, '/compare?' + partial);
	await visit(page, '/compare?' + partial, '[data-testid=sweep-plot] canvas', 'compare-sweep-partial');
	const pcharts = await shownCharts(page);
	check(pcharts.length && pcharts.every(c => c.data[2][1] === null && c.data[2][0] !== null &&
					     same(c.data, expected(pmodel, c.metric))),
	      'a value one side lacks is a gap in its series', JSON.stringify(pcharts.map(c => c.data[2])));
}
