import { ProfileSet } from '../../profiles/load.js';
import { describeTarget } from '../../core/values.js';
import { UserError } from '../../errors.js';
import { hostFor, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor } from '../format/colors.js';
import { printJson, type Io } from '../io.js';

export async function runProfiles(opts: GlobalOptions & { fromTuned?: string }, io: Io): Promise<number> {
  if (opts.fromTuned) return fromTuned(opts.fromTuned, io);
  const set = ProfileSet.load(hostFor(opts, { procSys: false }));
  const list = [...set.sources.values()].map((src) => {
    const p = set.get(src.name);
    return {
      name: p.name,
      summary: p.summary,
      origin: src.origin,
      file: src.file,
      includes: p.includes,
      sysctl: p.sysctl.map((t) => ({ key: t.key, op: t.op, values: t.values, rationale: t.rationale })),
      limits: p.limits.map(({ profile: _p, ...l }) => l),
    };
  });
  if (opts.json) {
    printJson(io, { profiles: list });
    return EXIT.ok;
  }
  const c = colorsFor(io);
  for (const p of list) {
    io.out(`${c.bold(p.name.padEnd(16))} ${p.summary}${p.origin === 'user' ? c.dim(` (user: ${p.file})`) : ''}\n`);
    io.out(c.dim(`${''.padEnd(17)}${p.sysctl.map((t) => `${t.key} ${describeTarget(t)}`).join('; ')}\n`));
  }
  io.out('\nCombine with commas: --profile web-node,nat-facing (conflicts: the stricter target wins, else the later profile).\n');
  return EXIT.ok;
}

async function fromTuned(file: string, io: Io): Promise<number> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { parseTunedProfile, tunedToKnobsProfile } = await import('../../profiles/tuned.js');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const name = path.basename(path.dirname(path.resolve(file)));
  const { text: out, skipped } = tunedToKnobsProfile(name, file, parseTunedProfile(text));
  io.out(out);
  for (const s of skipped) io.err(`skipped ${s.key} (line ${s.line}): ${s.reason}\n`);
  io.err(`Save it as /etc/knobs/profiles/<name>.ini and add a rationale to each key.\n`);
  return EXIT.ok;
}
