// SPDX-License-Identifier: MIT
// Charts on uPlot: one card per chart, and marks drawn over its time axis
// (a migration's phases as bands, its iterations as lines) with a legend
// in the page that names each mark and where it is.
'use strict';

const SERIES_COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#bc4c00', '#0a7ea4', '#6e7781', '#bf3989'];
// the same colours as the legend's swatches in style.css (.mark-*)
const MARK_COLORS = {
	'dest-start': 'rgba(191, 135, 0, 0.16)',
	precopy: 'rgba(31, 111, 235, 0.10)',
	postcopy: 'rgba(130, 80, 223, 0.16)',
	end: '#1d232a',
	iteration: '#8c959f',
};

// Bands behind the series, lines and their labels over them; marks in
// the x axis' units: {bands: [{kind, from, to}], lines: [{kind, at, label}]}.
function marksPlugin(marks) {
	const x = (u, v) => Math.round(u.valToPos(v, 'x', true));
	return {
		hooks: {
			drawClear: [u => {
				const { top, height, left, width } = u.bbox;
				u.ctx.save();
				for (const b of marks.bands) {
					const from = Math.max(left, x(u, b.from)), to = Math.min(left + width, x(u, b.to));
					if (to <= from) continue;
					u.ctx.fillStyle = MARK_COLORS[b.kind];
					u.ctx.fillRect(from, top, to - from, height);
				}
				u.ctx.restore();
			}],
			draw: [u => {
				const { top, height } = u.bbox;
				u.ctx.save();
				u.ctx.font = `${Math.round(10 * devicePixelRatio)}px system-ui, sans-serif`;
				for (const l of marks.lines) {
					const width = (l.kind === 'end' ? 2 : 1) * devicePixelRatio;
					// an odd width on a pixel's middle: a sharp line, not two faint ones
					const at = x(u, l.at) + (Math.round(width) % 2 ? 0.5 : 0);
					u.ctx.strokeStyle = u.ctx.fillStyle = MARK_COLORS[l.kind];
					u.ctx.lineWidth = width;
					u.ctx.setLineDash(l.kind === 'end' ? [] : [4 * devicePixelRatio, 3 * devicePixelRatio]);
					u.ctx.beginPath();
					u.ctx.moveTo(at, top);
					u.ctx.lineTo(at, top + height);
					u.ctx.stroke();
					u.ctx.fillText(l.label, at + 2 * devicePixelRatio, top + 10 * devicePixelRatio);
				}
				u.ctx.restore();
			}],
		},
	};
}

// The marks' legend: one entry per band and line, with where it is.
function marksLegend(marks, fmt) {
	const entry = (kind, text, attrs) => el('li', Object.assign({ class: 'mark-' + kind, 'data-mark': kind }, attrs),
		el('span', { class: 'swatch' }), text);
	return el('ul', { class: 'marks', 'data-testid': 'marks' },
		marks.bands.map(b => entry(b.kind, `${b.label} ${fmt(b.from)} – ${fmt(b.to)}`,
			{ 'data-from': b.from, 'data-to': b.to })),
		marks.lines.map(l => entry(l.kind, `${l.title} at ${fmt(l.at)}`, { 'data-at': l.at })));
}

// Ticks of a count (iterations, calls, vCPUs): whole numbers only.
const COUNT_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 1e5, 2e5, 5e5, 1e6];
const COUNT_AXES = new Set(['iteration', 'call']);

// A series' value in its unit, for the legend: '-' where it has none.
const legendValue = (unit, fmt) => (u, v) => v === null || v === undefined ? '-' :
	(fmt ? fmt(v) : fmt3(v)) + (unit ? ' ' + unit : '');

// series: [{label, values, scale?, unit?}]; a series with scale 'right'
// gets an axis of its own on the right (used for iteration numbers).
// opts.marks (above) are drawn on the chart and listed under it.  An x
// axis of iterations or calls ticks at whole numbers; the legend gives
// each series' value with its unit where the cursor is, at first the last
// point's.
function plot(title, xs, series, unit, xlabel = 'iteration', opts = {}) {
	const box = el('div', { class: 'card plot', 'data-testid': opts.testid || 'plot' }, el('h3', {}, title));
	const right = series.find(s => s.scale === 'right');
	const marks = opts.marks && (opts.marks.bands.length || opts.marks.lines.length) ? opts.marks : null;
	// the x axis reaches every mark, even one before the first sample
	const ends = marks ? marks.bands.flatMap(b => [b.from, b.to]).concat(marks.lines.map(l => l.at)) : [];
	const u = new uPlot({
		width: 520, height: 240,
		scales: { x: { time: false, range: (_, min, max) => ends.length ?
			[Math.min(min, ...ends), Math.max(max, ...ends)] : [min, max] } },
		axes: [COUNT_AXES.has(xlabel) ? { label: xlabel, incrs: COUNT_INCRS } : { label: xlabel },
			{ label: unit, size: 70 }].concat(right ?
			[{ scale: 'right', side: 1, label: right.label, grid: { show: false },
			   incrs: right.label === 'iteration' ? COUNT_INCRS : undefined }] : []),
		series: [{ label: xlabel, value: legendValue(COUNT_AXES.has(xlabel) ? '' : xlabel === 'seconds' ? 's' : '',
			COUNT_AXES.has(xlabel) ? String : fmt3) }].concat(series.map((s, i) => ({
			label: s.label, stroke: SERIES_COLORS[i % SERIES_COLORS.length], width: 2,
			scale: s.scale || 'y', points: { show: xs.length < 60, size: 6 },
			value: legendValue(s.scale === 'right' ? s.unit || '' : s.unit || unit,
				s.scale === 'right' && s.label === 'iteration' ? String : fmt3),
		}))),
		plugins: marks ? [marksPlugin(marks)] : [],
		// the legend before any hover: the last point's values, not dashes
		// (once drawn: uPlot sets the legend from its cursor when it commits)
		hooks: { ready: [u => { if (xs.length) u.setLegend({ idx: xs.length - 1 }); }] },
	}, [xs].concat(series.map(s => s.values)), box);
	box.uplot = u;	// for the browser test: where a mark's value lands
	if (marks) box.append(marksLegend(marks, opts.fmtX || String));
	return box;
}
