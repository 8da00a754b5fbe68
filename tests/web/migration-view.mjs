// SPDX-License-Identifier: MIT
// Checks of a migration's run view against the run's own samples, read
// from the API: the phases and iteration starts marked on the job
// statistics (listed, and painted where they say), the guest's writes per
// vCPU with its longest stall, and nothing marked or drawn that the
// samples do not hold.  Used by test-web.mjs.

// The run's samples by metric.
export async function samplesByMetric(base, id) {
	const rows = (await (await fetch(`${base}/api/v1/runs/${id}/samples`)).json()).samples;
	const by = {};
	for (const s of rows) (by[s.metric] = by[s.metric] || []).push(s);
	return by;
}

// The marks a migration's samples call for, in seconds after the job
// started: phases as bands (destination start from 0, precopy after it,
// postcopy after that), each iteration's start and the end as lines.
export function expectedMarks(by) {
	const one = m => (by[m] || [])[0] ? by[m][0].value : undefined;
	const dest = one('migration_dest_start_ms'), pre = one('migration_precopy_ms');
	const post = one('migration_postcopy_ms'), total = one('migration_total_ms');
	const bands = [], lines = [];
	if (dest !== undefined) bands.push({ kind: 'dest-start', from: 0, to: dest / 1000 });
	if (dest !== undefined && pre !== undefined) {
		bands.push({ kind: 'precopy', from: dest / 1000, to: (dest + pre) / 1000 });
		if (post !== undefined)
			bands.push({ kind: 'postcopy', from: (dest + pre) / 1000, to: (dest + pre + post) / 1000 });
	}
	for (const s of by.migration_iteration_t_ms || []) lines.push({ kind: 'iteration', at: s.value / 1000 });
	if (bands.length || lines.length) {
		const end = total !== undefined ? total / 1000 : bands.length ? bands[bands.length - 1].to : undefined;
		if (end !== undefined) lines.push({ kind: 'end', at: end });
	}
	return { bands, lines };
}

// The legend under a chart: its bands and lines, as the page lists them.
async function listedMarks(page, testid) {
	return page.$$eval(`[data-testid=${testid}] ul.marks li`, lis => lis.map(li => li.dataset.at !== undefined ?
		{ kind: li.dataset.mark, at: Number(li.dataset.at) } :
		{ kind: li.dataset.mark, from: Number(li.dataset.from), to: Number(li.dataset.to) }));
}

// How much of the plot's height is painted in a mark's legend colour,
// in the columns at x (the chart's own x scale): the best column.
async function painted(page, testid, kind, xs) {
	return page.$eval(`[data-testid=${testid}]`, (box, [kind, xs]) => {
		const u = box.uplot;
		const swatch = box.querySelector(`li[data-mark="${kind}"] .swatch`);
		const [r, g, b] = getComputedStyle(swatch).backgroundColor.match(/[\d.]+/g).map(Number);
		const { top, height } = u.bbox;
		let best = 0;
		for (const x of xs) {
			const px = Math.round(u.valToPos(x, 'x', true));
			for (const col of [px - 1, px]) {
				const d = u.ctx.getImageData(col, top, 1, height).data;
				let n = 0;
				for (let i = 0; i < d.length; i += 4)
					if (d[i + 3] && Math.abs(d[i] - r) <= 12 && Math.abs(d[i + 1] - g) <= 12 && Math.abs(d[i + 2] - b) <= 12) n++;
				best = Math.max(best, n / height);
			}
		}
		return best;
	}, [kind, xs]);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// The marks on a chart are those the samples call for, and are painted.
async function checkMarks(page, testid, by, name, check) {
	const want = expectedMarks(by);
	const listed = await listedMarks(page, testid);
	if (!want.bands.length && !want.lines.length) {
		check(listed.length === 0, `${name}: no phase or iteration marks without their samples`, JSON.stringify(listed));
		return;
	}
	check(same(listed, [...want.bands, ...want.lines]),
	      `${name}: the phases and iteration starts listed are those of the samples`,
	      `listed ${JSON.stringify(listed)}, samples ${JSON.stringify(want)}`);
	for (const b of want.bands) {
		const width = await page.$eval(`[data-testid=${testid}]`, (box, b) =>
			box.uplot.valToPos(b.to, 'x', true) - box.uplot.valToPos(b.from, 'x', true), b);
		if (width < 4)	/* a phase too short to see at this scale: listed only */
			continue;
		// off round fractions: a band from 0 to 4 s would put every probe on a grid line
		const f = await painted(page, testid, b.kind, [0.23, 0.52, 0.77].map(q => b.from + q * (b.to - b.from)));
		check(f > 0.5, `${name}: the ${b.kind} band is painted in its legend colour (${(f * 100).toFixed(0)}% of a column)`);
	}
	const px = await page.$eval(`[data-testid=${testid}]`, (box, ats) =>
		ats.map(a => box.uplot.valToPos(a, 'x', true)), want.lines.map(l => l.at));
	for (const [i, l] of want.lines.entries()) {
		/* a line drawn over by a later one within 4 px (iterations 4 ms apart): listed only */
		if (px.slice(i + 1).some(p => Math.abs(p - px[i]) < 4))
			continue;
		const f = await painted(page, testid, l.kind, [l.at]);
		check(f > 0.25, `${name}: the ${l.kind} line at ${l.at} s is painted (${(f * 100).toFixed(0)}% of its column)`);
	}
}

// The guest's writes: one series per vCPU over guest_t_ms's windows, and
// its longest stall beside it; no such chart without those samples.
async function checkGuest(page, by, name, check) {
	const rates = by.guest_write_rate_kib_s || [], windows = by.guest_t_ms || [];
	const chart = await page.$('[data-testid=guest-plot]');
	if (!rates.length || !windows.length) {
		check(!chart, `${name}: no guest chart without guest_t_ms and guest_write_rate_kib_s`);
		return;
	}
	const vcpus = [...new Set(rates.map(s => s.iteration))].sort((a, b) => a - b);
	const drawn = await page.$eval('[data-testid=guest-plot]', box => ({
		labels: box.uplot.series.slice(1).map(s => s.label), points: box.uplot.data[0].length,
		rates: box.uplot.data.slice(1).map(v => v.filter(x => x !== null).length),
	}));
	check(same(drawn.labels, vcpus.map(v => 'vCPU ' + v)) && drawn.points === windows.length &&
	      drawn.rates.reduce((a, b) => a + b, 0) === rates.length,
	      `${name}: the guest chart has a series per vCPU over every 10 ms window`,
	      `${JSON.stringify(drawn)}; vCPUs ${vcpus}, ${windows.length} windows, ${rates.length} rates`);
	const stall = by.guest_stall_ms || [];
	const shown = await page.textContent('[data-testid=guest-stall]');
	const ms = stall.length ? Math.max(...stall.map(s => s.value)) : null;
	check(ms === null ? /not/.test(shown) : shown.includes(`${Number(ms.toPrecision(3))} ms`),
	      `${name}: the longest guest stall is shown beside it`, `${shown}; samples ${JSON.stringify(stall)}`);
}

export async function checkMigrationView(page, base, id, name, check) {
	const by = await samplesByMetric(base, id);
	const job = await page.$('[data-testid=job-plot]');
	check(!!job === !!(by.job_t_ms || []).length, `${name}: the job statistics chart is there when the samples are`);
	if (job) await checkMarks(page, 'job-plot', by, name, check);
	await checkGuest(page, by, name, check);
	return by;
}
