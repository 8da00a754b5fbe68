// SPDX-License-Identifier: MIT
// The schedule form, made from GET /engines: one field per spec key of the
// chosen kind, with the engine's own words, defaults and help, so the page
// never keeps a copy of an engine's keys.  Values are read as the command
// line reads them: "1,2" in a number or size field is a sweep of that key,
// a CPU list is "0,1", a list of words "disable,delete" or "none".  Only
// fields changed from their default are sent: the engine fills in the rest.
'use strict';

// The field's text as the JSON its key takes; a sweep is a list of those.
function keyValue(key, text) {
	// a whole number JavaScript cannot hold exactly goes as text: the engine refuses it by name
	const one = t => key.type === 'uint' && /^\d+$/.test(t) && Number.isSafeInteger(Number(t)) ? Number(t)
		: key.type === 'bool' ? t === 'true'
		: t;
	if (key.type === 'cpu_list')
		return text.split(',').map(s => s.trim()).map(s => /^\d+$/.test(s) ? Number(s) : s);
	if (key.type === 'name_list')
		return text.trim() === 'none' ? [] : text.split(',').map(s => s.trim());
	if ((key.type === 'uint' || key.type === 'size') && text.includes(','))
		return text.split(',').map(s => one(s.trim()));
	return one(text.trim());
}

function defaultText(key) {
	if (!('default' in key)) return '';
	return Array.isArray(key.default) ? (key.default.length ? key.default.join(',') : 'none')
		: String(key.default);
}

function keyControl(key) {
	const def = defaultText(key);
	if (key.type === 'bool' || key.type === 'name') {
		const words = key.type === 'bool' ? ['true', 'false'] : key.allowed;
		const options = (def === '' ? ['auto'] : []).concat(words);
		return el('select', { name: key.name, title: key.help },
			options.map(v => el('option', { value: v, selected: v === (def || 'auto') }, v)));
	}
	return el('input', { name: key.name, value: def, title: key.help,
		inputmode: key.type === 'uint' ? 'numeric' : undefined,
		placeholder: key.type === 'name_list' ? key.allowed.join(',') : undefined });
}

function fieldBox(name, control, help) {
	return el('label', {}, name, control,
		help ? el('span', { class: 'muted help' }, help) : null,
		el('span', { class: 'field-error', id: 'err-' + name, 'data-testid': 'err-' + name }));
}

// The spec keys changed from their defaults, as a request's body.
function scheduleBody(engine, form) {
	const data = new FormData(form), body = { kind: engine.kind };
	for (const key of engine.keys) {
		const text = data.get(key.name);
		if (text === null || text === defaultText(key) || (text === 'auto' && !('default' in key)))
			continue;
		if (text.trim() === '' && ['text', 'cpu_list', 'name_list'].includes(key.type))
			continue;
		body[key.name] = keyValue(key, text);
	}
	if (data.get('label')) body.label = data.get('label');
	body.repeat = Number(data.get('repeat'));
	const tags = {};
	for (const part of data.get('tags').split(',').map(s => s.trim()).filter(Boolean)) {
		const at = part.indexOf('=');
		tags[at > 0 ? part.slice(0, at) : part] = at > 0 ? part.slice(at + 1) : '';
	}
	body.tags = tags;
	return body;
}

async function viewSchedule(params) {
	const engines = await engineList();
	const engine = engines.find(e => e.kind === params.get('kind')) || engines.find(e => e.default);
	const form = el('form', { class: 'schedule', 'data-testid': 'schedule', 'data-kind': engine.kind,
		novalidate: true });
	const kind = el('select', { name: 'kind', 'data-testid': 'schedule-kind' },
		engines.map(e => el('option', { value: e.kind, selected: e === engine }, `${e.kind}: ${e.title}`)));
	kind.addEventListener('change', () => { location.hash = '#/schedule?kind=' + encodeURIComponent(kind.value); });
	form.append(fieldBox('kind', kind));
	for (const key of engine.keys)
		form.append(fieldBox(key.name, keyControl(key), key.help));
	form.append(fieldBox('label', el('input', { name: 'label', value: '' })),
		fieldBox('tags', el('input', { name: 'tags', placeholder: 'base-commit=abc123, series=v2' })),
		fieldBox('repeat', el('input', { name: 'repeat', inputmode: 'numeric', value: '1' })),
		el('div', {}, el('button', { type: 'submit' }, 'Queue run'),
			el('p', { class: 'error', id: 'form-error', 'data-testid': 'form-error' })));
	form.addEventListener('submit', async ev => {
		ev.preventDefault();
		form.querySelectorAll('.field-error').forEach(e => { e.textContent = ''; });
		form.querySelector('#form-error').textContent = '';
		try {
			const run = await api('/runs', { method: 'POST', body: JSON.stringify(scheduleBody(engine, form)),
				headers: { 'Content-Type': 'application/json' } });
			location.hash = '#/run/' + run.id;
		} catch (e) {
			// a sweep's value is named with its place: vcpus[1]
			const field = e.field && e.field.replace(/\[\d+\]$/, '');
			const slot = field && form.querySelector('#err-' + CSS.escape(field));
			(slot || form.querySelector('#form-error')).textContent = e.message;
		}
	});
	view.replaceChildren(el('h2', {}, `Schedule a ${engine.kind} run`),
		el('p', { class: 'muted' }, 'Several values separated by commas in a number or size field sweep that key.'),
		form);
}
