// SPDX-License-Identifier: MIT
// The compare view of a sweep: for each metric, each side's median against
// the swept key (one series per side) with the median's 95% CI as a band,
// the scaling a cover letter tabulates.  x is the key's value when one
// numeric key is swept (vcpus 1, 2, 4 land where they are), else each
// combination in the comparison's order, named on the axis.
'use strict';

// A swept value as the text report writes it: a name as it is, a CPU list "0,1".
function sweepValueText(v) {
	if (Array.isArray(v)) return v.join(',');
	return typeof v === 'string' ? v : JSON.stringify(v);
}

// "2 hugetlb-1g": a row's (or point's) values, in the keys' order.
function sweepPointText(keys, values) {
	return keys.map(k => sweepValueText(values[k])).join(' ');
}

// One chart: metric over runs (or iterations) at each point of the sweep.
function sweepChart(model, metric, over) {
	const keys = model.sweep.keys, points = model.sweep.points;
	const rows = new Map(model.metrics.filter(r => r.metric === metric && r.over === over)
		.map(r => [JSON.stringify(r.point), r]));
	const at = points.map(p => rows.get(JSON.stringify(p.values)) || null);
	const unit = (at.find(r => r) || {}).unit;
	const numeric = keys.length === 1 && points.every(p => typeof p.values[keys[0]] === 'number');
	const xs = points.map((p, i) => numeric ? p.values[keys[0]] : i);
	const names = points.map(p => sweepPointText(keys, p.values));
	// a point one side lacks is a gap, never a 0
	const side = (name, pick) => at.map(r => r && r[name] ? pick(r[name]) : null);
	const median = s => s.median, lo = s => s.median_ci ? s.median_ci[0] : null,
		hi = s => s.median_ci ? s.median_ci[1] : null;
	const span = xs.length > 1 ? xs[xs.length - 1] - xs[0] : 1;
	const pad = numeric ? span * 0.05 || 0.5 : 0.5;
	const colors = { base: '#5c6670', new: '#1f6feb' };
	const ci = (name, edge) => ({ label: `${name} 95% CI ${edge}`, stroke: colors[name], width: 1,
		dash: [4, 3], points: { show: false } });
	const title = `${metric} by ${keys.join(', ')}${over === 'runs' ? '' : ' (all iterations)'}`;
	const label = (at.find(r => r && r.label) || {}).label;
	const box = el('div', { class: 'card plot', 'data-testid': 'sweep-plot', 'data-metric': metric,
		'data-over': over }, el('h3', {}, title), label ? el('p', { class: 'muted' }, label) : null);
	const caption = el('p', { class: 'muted' }, 'dots: medians; band: each median\'s 95% CI ' +
		'(6 or more runs a side have one)');
	const u = new uPlot({
		width: 520, height: 260,
		scales: { x: { time: false, range: (_, min, max) => [min - pad, max + pad] } },
		axes: [
			{ label: keys.join(', '), splits: () => xs,
				values: (_, splits) => splits.map(x => numeric ? String(x) : names[x] ?? '') },
			{ label: metric, size: 80, values: (_, splits) => splits.map(v => fmtUnit(unit, v)) },
		],
		series: [
			{ label: keys.join(', '), value: (_, x) => x === null ? '-' : numeric ? String(x) : names[x] ?? '-' },
			{ label: 'base median', stroke: colors.base, width: 2, points: { show: true, size: 7 },
				value: (_, v) => fmtUnit(unit, v) },
			{ label: 'new median', stroke: colors.new, width: 2, points: { show: true, size: 7 },
				value: (_, v) => fmtUnit(unit, v) },
			ci('base', 'low'), ci('base', 'high'), ci('new', 'low'), ci('new', 'high'),
		],
		bands: [{ series: [4, 3], fill: 'rgba(92, 102, 112, 0.15)' },
			{ series: [6, 5], fill: 'rgba(31, 111, 235, 0.15)' }],
	}, [xs, side('base', median), side('new', median), side('base', lo), side('base', hi),
		side('new', lo), side('new', hi)], box);
	box.uplot = u;	// for the browser test: what each series holds
	box.append(caption);
	return box;
}

// A chart per metric over runs, in the comparison's order (the headline first).
function sweepCharts(model) {
	const metrics = [...new Set(model.metrics.filter(r => r.over === 'runs').map(r => r.metric))];
	return el('div', { class: 'plots', 'data-testid': 'sweep-charts' },
		metrics.map(m => sweepChart(model, m, 'runs')));
}
