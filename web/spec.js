// SPDX-License-Identifier: MIT
// A run's spec in one line, by its kind: each engine's keys say different
// things (a dirty-log run has mem_per_vcpu, a migration memory and a
// destination).  A key the spec lacks is left out, never shown as
// "undefined"; a kind this page does not know is shown as key=value.
// And the spec as command lines to rerun, as migbenchd gives them.
'use strict';

// needs: the keys of the first part, which names the essentials
const SPEC_DESCRIPTIONS = {
	dirtylog: { needs: ['vcpus', 'mem_per_vcpu', 'backing'], parts: s => [
		`dirtylog ${s.vcpus} x ${s.mem_per_vcpu} ${s.backing}`,
		has(s.iterations) && `${s.iterations} iteration${s.iterations === 1 ? '' : 's'}`,
		s.guest_page_size === '2m' && '2MiB guest pages',
		s.dirty_ring_entries > 0 && `dirty ring ${s.dirty_ring_entries}`,
		s.manual_protect === false && 'no manual protect',
		s.aging && s.aging !== 'none' && `aging ${s.aging}`,
	] },
	migration: { needs: ['vcpus', 'memory', 'backing', 'destination'], parts: s => [
		`migration ${s.vcpus} vCPU ${s.memory} ${s.backing} → ${s.destination}`,
		s.wss && s.wss !== '0' && `wss ${s.wss}`,
		s.rate_mib_s > 0 && `rate ${s.rate_mib_s} MiB/s`,
		s.max_bandwidth > 0 && `bandwidth ${s.max_bandwidth} MiB/s`,
		s.downtime_limit_ms > 0 && `downtime limit ${s.downtime_limit_ms} ms`,
		s.postcopy === true && 'postcopy',
		s.auto_converge === true && 'auto-converge',
		s.dirty_ring_entries > 0 && `dirty ring ${s.dirty_ring_entries}`,
		s.cancel_after_iterations > 0 && `cancelled at iteration ${s.cancel_after_iterations}`,
		s.trace === false && 'not traced',
		s.guest_kernel && `guest ${s.guest_kernel}`,
	] },
};

function has(v) {
	return v !== undefined && v !== null && v !== '';
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

function describeSpec(kind, spec) {
	spec = spec || {};
	const d = SPEC_DESCRIPTIONS[kind];
	if (d && d.needs.every(k => has(spec[k])))
		return d.parts(spec).filter(p => typeof p === 'string' && p).join(', ');
	return [kind].concat(Object.entries(spec).map(([k, v]) =>
		`${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)).join(' ');
}
