#!/usr/bin/env node
// Prints catalogue entries (TypeScript, for src/core/catalog/*.ts) for the keys named on
// the command line, with every fact the extracted kernel data states mechanically
// already filled in: existence range, scope and its first version, the handler's bounds
// per version, constant defaults per version, and history lines citing file@version.
// A person then writes the meaning and what the source does not say. Not run by
// npm test; test/kernel-data.test.ts checks the result against the same data.
//
//   node scripts/kernel-facts/catalog-skeleton.mjs vm.swappiness 'net.ipv4.conf.*.rp_filter'
import fs from 'node:fs';
import path from 'node:path';
import { compareVersions } from './compact.mjs';

const DATA = path.resolve(import.meta.dirname, '../../src/core/kernel-data');
const versions = fs
  .readdirSync(DATA)
  .filter((f) => /^\d+\.\d+\.\d+\.json$/.test(f))
  .map((f) => f.replace(/\.json$/, ''))
  .sort(compareVersions);
const docs = new Map(versions.map((v) => [v, JSON.parse(fs.readFileSync(path.join(DATA, `${v}.json`), 'utf8'))]));

const series = (v) => v.split('.').slice(0, 2).join('.');
const dotZero = (v) => `${series(v)}.0`;
const next = (v) => {
  const [a, b] = v.split('.').map(Number);
  return `${a}.${b + 1}.0`;
};

/** The handler's bounds as test/kernel-data.test.ts computes them. */
function bounds(f) {
  const h = [f.handler, f.handlerBase].join(' ');
  const type = /proc_dou8vec_minmax/.test(h) ? { min: '0', max: '255' } : /proc_douintvec/.test(h) ? { min: '0', max: '4294967295' } : {};
  const out = { ...type };
  // These handlers never read extra1/extra2, whatever the table says.
  if (/^(proc_dointvec|proc_dointvec_jiffies|proc_dointvec_ms_jiffies|proc_dointvec_userhz_jiffies|proc_douintvec|proc_dostring)$/.test(f.handlerBase ?? f.handler ?? '')) return out;
  if (f.min !== undefined) out.min = f.min;
  if (f.max !== undefined) out.max = f.max;
  if (f.extra1 !== undefined && f.min === undefined) delete out.min;
  if (f.extra2 !== undefined && f.max === undefined) delete out.max;
  return out;
}
const showBounds = (b) => (b.min === undefined && b.max === undefined ? 'no bounds' : `${b.min ?? '…'}..${b.max ?? '…'}`);
const handlerOf = (f) => `${f.handler}${f.handlerBase ? ` → ${f.handlerBase}` : ''}`;

const MULTI = { 'kernel.printk': 4, 'kernel.sem': 4, 'net.ipv4.ping_group_range': 2, 'vm.lowmem_reserve_ratio': undefined };

function entry(key) {
  const at = versions.map((v) => docs.get(v).keys[key]);
  const idx = at.map((f, i) => (f ? i : -1)).filter((i) => i >= 0);
  if (!idx.length) return `  // ${key}: not in the extracted data\n`;
  const warn = [];
  const first = idx[0];
  const last = idx[idx.length - 1];
  if (last - first + 1 !== idx.length) warn.push('present, absent, present again: check by hand');
  const hist = [];
  const e = { key };
  const latest = at[last];
  const file = latest.file;
  if (first > 0) {
    e.addedIn = next(versions[first - 1]);
    hist.push(`Added after ${series(versions[first - 1])} (${at[first].file}: absent@${versions[first - 1]}, present@${versions[first]}).`);
  }
  if (last < versions.length - 1) {
    e.removedIn = dotZero(versions[last + 1]);
    hist.push(`Removed by ${series(versions[last + 1])} (${latest.file}: present@${versions[last]}, absent@${versions[last + 1]}).`);
  }
  // Scope.
  const scopes = idx.map((i) => at[i].scope);
  const firstNetns = idx.find((i) => at[i].scope === 'netns');
  if (scopes.every((s) => s === 'global')) e.scope = 'global';
  else {
    e.scope = 'netns';
    const ok = idx.every((i) => (i < firstNetns ? at[i].scope === 'global' : at[i].scope === 'netns'));
    if (!ok) warn.push(`scope changes back and forth: ${scopes.join(',')}`);
    if (firstNetns !== first) {
      e.netnsSince = dotZero(versions[firstNetns]);
      const prev = idx[idx.indexOf(firstNetns) - 1];
      hist.push(`Per network namespace from ${series(versions[firstNetns])} (${at[prev].file}: ${at[prev].table}@${versions[prev]}, ${at[firstNetns].table}@${versions[firstNetns]}).`);
    }
  }
  // Read-only.
  const ro = (f) => f.mode !== null && f.mode !== undefined && !/[2367]/.test(f.mode.slice(-3));
  if (idx.some((i) => ro(at[i]))) {
    if (idx.every((i) => ro(at[i]))) e.readOnly = true;
    else warn.push('read-only in some versions only');
  }
  // Bounds per version, grouped.
  const groups = [];
  for (const i of idx) {
    const b = bounds(at[i]);
    const g = groups[groups.length - 1];
    if (g && g.b.min === b.min && g.b.max === b.max) g.to = i;
    else groups.push({ from: i, to: i, b, h: handlerOf(at[i]) });
  }
  if (groups.length > 1 || groups[0].b.min !== undefined || groups[0].b.max !== undefined) {
    e.bounds = groups.map((g, n) => ({ since: n === 0 ? '0' : dotZero(versions[g.from]), ...g.b }));
  }
  groups.forEach((g, n) => {
    const moved = at[g.to].file !== at[g.from].file;
    const range = moved ? `${versions[g.from]}, ${at[g.to].file}@${versions[g.to]}` : g.from === g.to ? versions[g.from] : `${versions[g.from]}…${versions[g.to]}`;
    hist.push(
      n === 0
        ? `Handler ${g.h}, ${showBounds(g.b)} (${at[g.from].file}@${range}).`
        : `${series(versions[g.from])}: ${g.h}, ${showBounds(g.b)} (${at[g.from].file}@${versions[g.from]}; ${showBounds(groups[n - 1].b)}@${versions[groups[n - 1].to]}).`,
    );
  });
  // Defaults.
  const dv = idx.map((i) => ({ i, d: at[i].defaultExpr !== undefined ? null : at[i].default }));
  const consts = dv.filter((x) => typeof x.d === 'string');
  const exprs = dv.filter((x) => x.d === null);
  if (consts.length) {
    // null: computed at boot from that version on (a Kconfig option, the machine's size…).
    const list = [];
    for (const x of dv.filter((y) => y.d !== undefined)) {
      const l = list[list.length - 1];
      if (!l || l.value !== x.d) list.push({ since: list.length === 0 ? '0' : dotZero(versions[x.i]), value: x.d, i: x.i });
    }
    e.defaults = list.map(({ since, value }) => ({ since, value }));
    list.forEach((d, n) => {
      if (n > 0) hist.push(`${series(versions[d.i])}: default ${list[n - 1].value ?? 'computed'} → ${d.value ?? at[d.i].defaultExpr} (${at[d.i].defaultFrom ?? at[d.i].file}@${versions[d.i]}).`);
    });
  }
  if (exprs.length) {
    const x = exprs[exprs.length - 1].i;
    e.defaultNote = `computed at boot: ${at[x].defaultExpr} (${at[x].defaultFrom}@${versions[x]}).`;
  }
  const h = [latest.handler, latest.handlerBase].join(' ');
  e.kind = /dostring|qdisc|congestion/.test(h) ? 'string' : key in MULTI || /\s/.test(latest.default ?? '') ? 'ints' : 'int';
  if (MULTI[key]) e.fields = MULTI[key];
  const o = [];
  o.push(`  {`);
  o.push(`    key: ${JSON.stringify(key)},`);
  o.push(`    meaning: 'TODO',`);
  o.push(`    kind: '${e.kind}',`);
  if (e.fields) o.push(`    fields: ${e.fields},`);
  if (e.readOnly) o.push(`    readOnly: true,`);
  if (e.bounds) o.push(`    bounds: ${JSON.stringify(e.bounds).replace(/"(\w+)":/g, '$1: ').replace(/"/g, "'").replace(/,/g, ', ')},`);
  if (e.defaults) o.push(`    defaults: ${JSON.stringify(e.defaults).replace(/"(\w+)":/g, '$1: ').replace(/"/g, "'").replace(/,/g, ', ')},`);
  if (e.defaultNote) o.push(`    defaultNote: ${JSON.stringify(e.defaultNote)},`);
  o.push(`    scope: '${e.scope}',`);
  if (e.netnsSince) o.push(`    netnsSince: '${e.netnsSince}',`);
  if (e.addedIn) o.push(`    addedIn: '${e.addedIn}',`);
  if (e.removedIn) o.push(`    removedIn: '${e.removedIn}',`);
  o.push(`    history: [`);
  for (const l of hist) o.push(`      ${JSON.stringify(l)},`);
  o.push(`    ],`);
  o.push(`  },`);
  return (warn.length ? `  // CHECK ${key}: ${warn.join('; ')}\n` : '') + o.join('\n') + '\n';
}

for (const k of process.argv.slice(2)) process.stdout.write(entry(k));
