// SPDX-License-Identifier: MIT
// What the page says of specs, all of it from the daemon (a run's
// description and command line are its engine's words; nothing here
// knows an engine's keys): the spec as command lines to rerun, and the
// kinds of run there are.
'use strict';

// The daemon's engines (GET /engines: kinds, keys, defaults), asked once
// a page load: the runs list's kind filter and the schedule form.
let engineCache = null;
async function engineList() {
	if (!engineCache)
		engineCache = (await api('/engines')).engines;
	return engineCache;
}

// migbench's command line and the kernel selftest's that measures the same
// (or why the selftest cannot), from a run or a comparison; nothing for
// what the daemon did not give.
function specCommands(command, selftest) {
	const out = [];
	if (command)
		out.push(el('p', { 'data-testid': 'command' }, 'migbench: ', el('code', {}, command)));
	if (selftest && selftest.command)
		out.push(el('p', { 'data-testid': 'selftest' }, `kernel selftest: `, el('code', {}, selftest.command)));
	else if (selftest)
		out.push(el('p', { 'data-testid': 'selftest', class: 'muted' },
			`kernel selftest: no ${selftest.name} equivalent (${selftest.reason})`));
	return out;
}
