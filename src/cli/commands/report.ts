// `knobs report FILE|DIR…`: many `knobs facts --json` snapshots (one per host,
// e.g. collected by the Ansible role) → the fleet at a glance, as text, JSON or one
// self-contained HTML page. The aggregation is src/core/report.ts.

import fs from 'node:fs';
import path from 'node:path';
import { EMPTY_PROFILE } from '../../core/combine.js';
import { severityRank } from '../../core/engine.js';
import { ReportBuilder, summarizeHost, type FleetReport, type HostSummary } from '../../core/report.js';
import type { ResolvedProfile, Severity } from '../../core/types.js';
import { UserError } from '../../errors.js';
import { ProfileSet, splitList } from '../../profiles/load.js';
import { allRules, hostFor, readFactsFile, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor } from '../format/colors.js';
import { renderReportHtml } from '../format/report-html.js';
import { renderReportText } from '../format/report-text.js';
import { printJson, widthOf, type Io } from '../io.js';
import { summarizeInWorkers } from '../report-workers.js';

export interface ReportOptions extends GlobalOptions {
  args: string[];
  html?: string;
  profile?: string;
  failOn?: Severity;
}

/** Every `*.json` under the arguments (directories recursively), in a stable order; host names from file names. */
export interface SnapshotJob {
  file: string;
  /** The host's name in the report. */
  name: string;
  bytes: number;
}

export function snapshotFiles(args: readonly string[]): SnapshotJob[] {
  if (!args.length) throw new UserError('report needs snapshot files or directories', 'collect them with: knobs facts --json > hosts/$(hostname).json');
  const found: { file: string; name: string; arg: string; bytes: number }[] = [];
  for (const arg of args) {
    let st: fs.Stats;
    try {
      st = fs.statSync(arg);
    } catch {
      throw new UserError(`${arg}: no such file or directory`);
    }
    if (st.isFile()) {
      found.push({ file: arg, name: path.basename(arg).replace(/\.json$/, ''), arg: path.dirname(arg), bytes: st.size });
      continue;
    }
    if (!st.isDirectory()) throw new UserError(`${arg}: not a file or directory`);
    const before = found.length;
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.json') && (e.isFile() || e.isSymbolicLink())) {
          const s = fs.statSync(p, { throwIfNoEntry: false });
          if (s?.isFile()) found.push({ file: p, name: e.name.slice(0, -'.json'.length), arg, bytes: s.size });
        }
      }
    };
    walk(arg);
    if (found.length === before) throw new UserError(`${arg}: no *.json snapshots in it`, 'collect them with: knobs facts --json > hosts/$(hostname).json');
  }
  // Two files with the same base name (fetch without flat): name them by their path instead.
  const count = new Map<string, number>();
  for (const f of found) count.set(f.name, (count.get(f.name) ?? 0) + 1);
  return found.map((f) => ({
    file: f.file,
    bytes: f.bytes,
    name: count.get(f.name)! > 1 ? path.relative(f.arg, f.file).replace(/\.json$/, '') || f.name : f.name,
  }));
}

/** Profiles a snapshot was taken for (`knobs facts --json --profile P` records them). */
function snapshotProfiles(file: string, doc: object): string[] {
  const p = (doc as { profiles?: unknown }).profiles;
  if (p === undefined) return [];
  if (!Array.isArray(p) || !p.every((x) => typeof x === 'string' && x !== '')) {
    throw new UserError(`${file}: profiles: expected a list of profile names`);
  }
  return p as string[];
}

interface ShardContext {
  root: string;
  /** --profile: every host is judged against these. */
  forced: string[];
}

/** Read, check and summarize snapshots, in order; notes for profiles this knobs does not know. */
export function summarizeSnapshots(jobs: readonly SnapshotJob[], ctx: ShardContext): { summaries: HostSummary[]; notes: string[] } {
  const host = hostFor({ root: ctx.root });
  const set = ProfileSet.load(host);
  const resolved = new Map<string, ResolvedProfile>();
  const resolve = (names: string[]): ResolvedProfile => {
    const id = names.join(',');
    let r = resolved.get(id);
    if (!r) resolved.set(id, (r = names.length ? set.resolve(names) : EMPTY_PROFILE));
    return r;
  };
  const rules = allRules();
  const notes: string[] = [];
  const summaries: HostSummary[] = [];
  for (const { file, name } of jobs) {
    const facts = readFactsFile(file);
    let names = ctx.forced.length ? ctx.forced : snapshotProfiles(file, facts);
    if (!ctx.forced.length) {
      const unknown = names.filter((n) => !set.sources.has(n));
      if (unknown.length) {
        notes.push(`${name}: profile ${unknown.join(', ')} is not known here (not in profiles/ or etc/knobs/profiles); judged without it`);
        names = names.filter((n) => set.sources.has(n));
      }
    }
    summaries.push(summarizeHost({ name, facts, profile: resolve(names), profileSource: ctx.forced.length ? 'option' : names.length ? 'snapshot' : 'none' }, rules));
  }
  return { summaries, notes };
}

/** A worker thread's share (src/cli/report-workers.ts). */
export function reportShard(data: { jobs: SnapshotJob[]; ctx: ShardContext }): { summaries: HostSummary[]; notes: string[] } {
  return summarizeSnapshots(data.jobs, data.ctx);
}

export async function collectReport(opts: ReportOptions, notes: string[] = []): Promise<FleetReport> {
  const root = opts.root ?? '/';
  const forced = splitList(opts.profile);
  // An unknown --profile is an error before any file is read.
  if (forced.length) ProfileSet.load(hostFor(opts)).resolve(forced);
  const jobs = snapshotFiles(opts.args);
  const ctx: ShardContext = { root, forced };
  const bytes = jobs.reduce((n, j) => n + j.bytes, 0);
  const shards = await summarizeInWorkers(jobs, bytes, ctx, (share) => summarizeSnapshots(share, ctx));
  const builder = new ReportBuilder(allRules());
  for (const shard of shards ?? [summarizeSnapshots(jobs, ctx)]) {
    for (const s of shard.summaries) builder.addSummary(s);
    notes.push(...shard.notes);
  }
  return builder.finish();
}

export async function runReport(opts: ReportOptions, io: Io): Promise<number> {
  const notes: string[] = [];
  const report = await collectReport(opts, notes);
  const failing = opts.failOn
    ? report.hosts.filter((h) => h.worst !== null && severityRank(h.worst) <= severityRank(opts.failOn!))
    : [];
  if (opts.html) writeFileAtomic(opts.html, renderReportHtml(report, notes));
  if (opts.json) printJson(io, { ...report, notes });
  else io.out(renderReportText(report, notes, colorsFor(io), widthOf(io), { brief: Boolean(opts.html), html: opts.html }));
  return failing.length ? EXIT.findings : EXIT.ok;
}

/** The page appears whole or not at all (a browser tab reloading it never sees half). */
function writeFileAtomic(file: string, content: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, content, { mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`--html ${file}: cannot write it (${e.code ?? e.message})`);
  }
}
