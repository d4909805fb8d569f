// Reading tuned profiles (tuned.conf), so operators coming from TuneD can bring
// their [sysctl] settings over: `knobs profiles --from-tuned FILE` prints a knobs
// profile. tuned's `>`/`<` (only raise / only lower) map to knobs' at least /
// at most. Conditional units (`[sysctl.x] type=sysctl uname_regex=…`), `${var}`
// values and keys knobs does not know are reported, never guessed.

import { keyInfo, rejectReason } from '../core/catalog.js';
import type { TargetOp } from '../core/types.js';
import { neverWriteReason } from '../core/write-checks.js';
import { parseTarget, scanLines } from './parse.js';

export interface TunedSetting {
  key: string;
  op: TargetOp;
  values: string[];
  line: number;
  comment: string;
}

export interface TunedProfile {
  summary: string;
  include: string;
  sysctl: TunedSetting[];
  /** Settings knobs cannot carry over, with the reason. */
  skipped: { key: string; line: number; reason: string }[];
  /** Other plugin sections ([cpu], [vm], [bootloader] …) that knobs does not manage. */
  otherSections: string[];
}

export function parseTunedProfile(text: string): TunedProfile {
  const sections = scanLines(text);
  const main = sections.get('main');
  const out: TunedProfile = {
    summary: main?.get('summary')?.raw ?? '',
    include: main?.get('include')?.raw ?? '',
    sysctl: [],
    skipped: [],
    otherSections: [],
  };
  for (const [name, entries] of sections) {
    if (name === '' || name === 'main' || name === 'variables') continue;
    const type = entries.get('type')?.raw ?? name;
    if (type !== 'sysctl') {
      out.otherSections.push(name);
      continue;
    }
    const conditional = name !== 'sysctl';
    for (const [key, info] of entries) {
      if (['type', 'uname_regex', 'cpuinfo_regex', 'enabled', 'replace', 'priority', 'devices', 'drop'].includes(key)) continue;
      if (conditional) {
        out.skipped.push({ key, line: info.line, reason: `conditional unit [${name}] (applies only where its regexes match)` });
        continue;
      }
      if (info.raw.includes('${')) {
        out.skipped.push({ key, line: info.line, reason: `value uses a tuned variable (${info.raw})` });
        continue;
      }
      const { op, values } = parseTarget(info.raw);
      out.sysctl.push({ key, op, values, line: info.line, comment: info.comment });
    }
  }
  return out;
}

/** A knobs profile (INI text) carrying over what knobs knows how to check and set. */
export function tunedToKnobsProfile(name: string, source: string, tuned: TunedProfile): { text: string; skipped: TunedProfile['skipped'] } {
  const skipped = [...tuned.skipped];
  const lines = [
    `; knobs profile ${name}, converted from tuned profile ${source}.`,
    '; Review every rationale: tuned profiles rarely say why.',
    '',
    '[main]',
    `summary = ${tuned.summary || `converted from ${source}`}`,
    '',
    '[sysctl]',
  ];
  for (const s of tuned.sysctl) {
    const info = keyInfo(s.key);
    if (!info) {
      skipped.push({ key: s.key, line: s.line, reason: 'knobs has no knowledge of this key' });
      continue;
    }
    const bad = s.values.map((v) => rejectReason(s.key, v, null)).find((r) => r !== null);
    if (bad) {
      skipped.push({ key: s.key, line: s.line, reason: bad });
      continue;
    }
    const never = s.values.map((v) => neverWriteReason(s.key, v)).find((r) => r !== null);
    if (never) {
      // Said in the profile too, so that whoever reads it later knows the line was dropped on purpose.
      skipped.push({ key: s.key, line: s.line, reason: never });
      lines.push(`; dropped ${s.key} = ${s.values.join('|')} (${source}:${s.line}): ${never}`, '');
      continue;
    }
    const prefix = s.op === 'atLeast' ? '>' : s.op === 'atMost' ? '<' : '';
    const value = s.op === 'oneOf' ? s.values.join('|') : `${prefix}${s.values[0]}`;
    lines.push(`; ${s.comment || `from ${source}:${s.line}; tuned gives no reason`}`, `${s.key} = ${value}`, '');
  }
  return { text: lines.join('\n') + '\n', skipped };
}
