// `knobs wizard`: the interactive path, for an operator on a host over SSH at
// 80x24. Five steps, each one screen:
//   1. look: what knobs sees (kernel, boot loader, listeners with their limits,
//      busiest destinations, forwarding, containers, the worst symptoms);
//   2. roles: proposed with their evidence (the same logic as `knobs recommend`);
//   3. questions whose answers decide a trade-off, each saying why it matters;
//   4. the walk: each change, current → proposed, why, what it does and its
//      trade-off; accept, skip or enter another value;
//   5. review the final diff in a pager, then apply through the same functions as
//      `knobs apply` (buildPlan → applyPlan: judged plan, journal, atomic writes),
//      say what changed, what is left to do and how to undo it; offer to save the
//      choices as a profile for the fleet.
// Nothing is written before step 5. Ctrl+C at any step exits 130 and says what was
// changed (nothing, or what the journal did); a session without a terminal is
// refused at once.

import fs from 'node:fs';
import path from 'node:path';
import { findInterrupted } from '../../apply/history.js';
import { writeFileAtomic } from '../../apply/atomic-write.js';
import type { ApplyResult } from '../../apply/types.js';
import { enteredValueProblem, toProfileIni, type PlanChoices } from '../../core/choices.js';
import { summarizeHost } from '../../core/host-summary.js';
import type { Plan } from '../../core/planner.js';
import { recommendRoles } from '../../core/recommend.js';
import { decide, serviceCandidates, tradeoffQuestions, type Answer, type Decisions, type QuestionId } from '../../core/tradeoffs.js';
import type { HostFacts, ResolvedProfile, SysctlTarget } from '../../core/types.js';
import { toInt } from '../../core/values.js';
import { UserError } from '../../errors.js';
import { collectFacts } from '../../host/collect.js';
import type { HostFs } from '../../host/host-fs.js';
import { ProfileSet, USER_DIR } from '../../profiles/load.js';
import { parseProfile } from '../../profiles/parse.js';
import { allRules, hostFor, ruleKeys, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor, type Colors } from '../format/colors.js';
import { wrap, wrapCommand } from '../format/wrap.js';
import { Interrupted, watchInterrupts, type InterruptWatch } from '../interrupted.js';
import type { Io } from '../io.js';
import { checkbox, confirm, input, page, select, type Choice } from '../prompts.js';
import { terminalIo, terminalOf, type Terminal } from '../terminal.js';
import { applyPlan, rollbackCommand } from './apply.js';
import { runExplain } from './explain.js';
import { buildPlan, hasChanges } from './plan.js';
import { renderDiff, renderLook, renderQuestion, renderRecommendation, renderStep, stepsOf, type Step } from '../wizard/screens.js';
import { ConfineError, writablePath } from '../../host/confine.js';

type Decision = { action: 'accept' } | { action: 'skip' } | { action: 'enter'; value: string };

const PROFILE_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

class Session {
  /** Set once an apply committed: what an interruption after it must not hide. */
  applied: string | null = null;
  readonly host: HostFs;
  readonly c: Colors;

  constructor(
    readonly root: string,
    readonly io: Io,
    readonly term: Terminal,
    readonly watch: InterruptWatch,
  ) {
    this.host = hostFor({ root });
    this.c = colorsFor(io);
  }

  say(text: string): void {
    this.io.out(wrap(text, this.term.width) + '\n');
  }

  /** A command to copy: on lines of its own, wrapped between words with `\` continuations. */
  command(text: string): void {
    this.io.out(wrapCommand(text, this.term.width) + '\n');
  }

  /** Between steps: a Ctrl+C that arrived while no prompt was reading the keyboard ends here. */
  check(): void {
    this.watch.check();
  }

  get rollback(): string | null {
    return this.applied && rollbackCommand(this.root, this.applied);
  }
}

export async function runWizard(opts: GlobalOptions, rawIo: Io): Promise<number> {
  if (!rawIo.stdinTTY || !rawIo.isTTY) {
    throw new UserError(
      `the wizard needs a terminal, and ${rawIo.stdinTTY ? 'stdout' : 'stdin'} is not one`,
      'in scripts: `knobs recommend`, then review with `knobs plan --profile P` and apply with `knobs apply --profile P --yes`',
    );
  }
  const root = opts.root ?? '/';
  const interrupted = findInterrupted(root);
  if (interrupted) throw new UserError(interrupted.message, `journal: ${interrupted.journal}`);
  const term = terminalOf(rawIo);
  const io = terminalIo(rawIo, term);
  const watch = watchInterrupts();
  const s = new Session(root, io, term, watch);
  try {
    return await wizard(s);
  } catch (err) {
    if (!(err instanceof Interrupted)) throw err;
    const why = err.reason === 'interrupt' ? 'Interrupted' : 'The input ended';
    io.out('\n');
    if (s.applied) {
      s.say(`${why} after the apply: transaction ${s.applied} stays applied; nothing else was changed. To undo it:`);
      s.command(s.rollback!);
    } else s.say(`${why}. Nothing was changed.`);
    return err.exitCode;
  } finally {
    watch.dispose();
  }
}

async function wizard(s: Session): Promise<number> {
  const facts = collectFacts(s.host, { keys: ruleKeys(), workload: true });
  s.check();
  const look = renderLook(summarizeHost(facts), s.c, s.term.width);
  // A busy host can have more to say than one screen holds with the question under it.
  if (look.split('\n').length > s.term.rows - 5) await page(look);
  else s.io.out(look + '\n');
  if ((await select('Next?', [
    { value: 'roles', name: 'Go on: choose the roles this host plays', short: 'go on' },
    { value: 'quit', name: 'Quit (nothing is changed)', short: 'quit' },
  ])) === 'quit') return quit(s);

  const set = ProfileSet.load(s.host);
  const roles = await chooseRoles(s, facts, set);
  if (!roles) return quit(s);
  const { decisions, services } = await askQuestions(s, facts, roles, set);
  const finalRoles = [...roles, ...decisions.addRoles];
  if (decisions.addRoles.length) s.say(`Added the role ${decisions.addRoles.join(', ')}.`);
  const add = borrowedTargets(set, decisions);

  s.check();
  const first = buildPlan({ root: s.root, profile: finalRoles.join(','), service: services.join(','), choices: { skip: [], sysctl: {}, limits: {}, add } });
  const walked = new Map<string, Decision>();
  const steps = stepsOf(first.plan, resolved(set, finalRoles, add), allRules());
  if (!steps.length && !first.plan.refusals.length) {
    s.io.out('\n');
    s.say(s.c.green('Nothing to change: this host already matches what the roles want.'));
    await offerSave(s, set, finalRoles, { skip: [], sysctl: {}, limits: {}, add });
    return EXIT.ok;
  }
  for (;;) {
    await walk(s, steps, walked, decisions, first.facts);
    const choices = toChoices(steps, walked, add);
    const units = services.filter((u) => walked.get(u)?.action !== 'skip');
    s.check();
    const { plan } = buildPlan({ root: s.root, profile: finalRoles.join(','), service: units.join(','), choices });
    const next = await review(s, plan, steps, walked);
    if (next === 'back') continue;
    if (next === 'quit') return quit(s);
    if (next === 'save') {
      await offerSave(s, set, finalRoles, choices, true);
      return quit(s);
    }
    const code = await apply(s, plan, next === 'apply');
    if (code === EXIT.ok) {
      listSkipped(s, steps, walked);
      await offerSave(s, set, finalRoles, choices);
    }
    return code;
  }
}

function quit(s: Session): number {
  s.say('Nothing was changed.');
  return EXIT.ok;
}

// ---- step 2: roles --------------------------------------------------------------------

async function chooseRoles(s: Session, facts: HostFacts, set: ProfileSet): Promise<string[] | null> {
  const rec = recommendRoles(facts);
  s.io.out('\n' + renderRecommendation(rec, s.c, s.term.width));
  const proposed = rec.suggested.split(',').filter(Boolean);
  // The proposed roles first (most confident first), then the others by name.
  const rank = (n: string) => {
    const i = rec.roles.findIndex((r) => r.profile === n);
    return i < 0 ? rec.roles.length : i;
  };
  const names = [...set.sources.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const choices: Choice<string>[] = names.map((name) => {
    const role = rec.roles.find((r) => r.profile === name);
    let summary = '';
    try {
      summary = set.get(name).summary;
    } catch (err) {
      summary = `(cannot be read: ${(err as Error).message})`;
    }
    return {
      value: name,
      name: `${name.padEnd(14)} ${summary}`,
      description: role ? `${role.confidence}: ${role.evidence.map((e) => e.message).join('; ')}` : summary,
      checked: proposed.includes(name),
    };
  });
  for (;;) {
    s.check();
    const picked = await checkbox('Which roles does this host play?', choices);
    if (picked.length) {
      set.resolve(picked); // a user profile that does not parse stops here, with its file and line
      return picked;
    }
    s.say('No role chosen. Without one there is nothing to plan; `knobs audit` lists what the rules alone find.');
    if ((await select('What now?', [
      { value: 'again', name: 'Choose again', short: 'again' },
      { value: 'quit', name: 'Quit (nothing is changed)', short: 'quit' },
    ])) === 'quit') return null;
    for (const ch of choices) ch.checked = false;
  }
}

// ---- step 3: questions ----------------------------------------------------------------

async function askQuestions(s: Session, facts: HostFacts, roles: string[], set: ProfileSet): Promise<{ decisions: Decisions; services: string[] }> {
  const answers: Partial<Record<QuestionId, Answer>> = {};
  const qs = tradeoffQuestions(facts, roles);
  for (const q of qs) {
    s.check();
    s.io.out(renderQuestion(q.why, q.seen, s.term.width));
    answers[q.id] = await select<Answer>(
      q.ask,
      [
        { value: 'yes', name: 'Yes', short: 'yes' },
        { value: 'no', name: 'No', short: 'no' },
        { value: 'unsure', name: 'Not sure (change nothing because of it)', short: 'not sure' },
      ],
      { default: q.dflt },
    );
  }
  const decisions = decide(roles, answers);
  const all = [...roles, ...decisions.addRoles];
  const wantsNofile = set.resolve(all).limits.some((l) => l.item === 'nofile');
  const candidates = wantsNofile ? serviceCandidates(facts) : [];
  let services: string[] = [];
  if (candidates.length) {
    s.check();
    s.io.out(
      renderQuestion(
        'A service started by systemd never reads limits.conf: its descriptor limit comes from LimitNOFILE= (1024 soft by default). ' +
          'knobs writes a drop-in for each service chosen here; it takes effect after `systemctl daemon-reload` and a restart of the service.',
        null,
        s.term.width,
      ),
    );
    services = await checkbox(
      'Which services need a higher descriptor limit?',
      candidates.map((c) => ({
        value: c.unit,
        name: `${c.unit} (${c.comm ?? '?'} on ${c.ports.map((p) => `:${p}`).join(', ')}; soft nofile ${c.soft ?? '?'}${c.open !== null ? `, ${c.open} open` : ''})`,
        checked: c.proposed,
      })),
    );
  }
  return { decisions, services };
}

function resolved(set: ProfileSet, roles: string[], add: SysctlTarget[]): ResolvedProfile {
  const p = set.resolve(roles);
  const sysctl = { ...p.sysctl };
  for (const t of add) sysctl[t.key] ??= t;
  return { ...p, sysctl };
}

function borrowedTargets(set: ProfileSet, d: Decisions): SysctlTarget[] {
  const out: SysctlTarget[] = [];
  for (const b of d.borrow) {
    for (const t of set.get(b.from).sysctl) {
      if (b.keys.includes(t.key)) out.push({ ...t, rationale: `${t.rationale} (Taken from ${b.from} because ${b.why}.)` });
    }
  }
  return out;
}

// ---- step 4: the walk ------------------------------------------------------------------

type Action = 'accept' | 'skip' | 'enter' | 'explain' | 'rest';

async function walk(s: Session, steps: Step[], walked: Map<string, Decision>, d: Decisions, facts: HostFacts): Promise<void> {
  const dflt = (st: Step): Decision => walked.get(st.key) ?? (d.skipByDefault[st.key] ? { action: 'skip' } : { action: 'accept' });
  for (let i = 0; i < steps.length; i++) {
    const st = steps[i]!;
    const rest = steps.length - i - 1;
    for (;;) {
      s.check();
      const previous = dflt(st);
      s.io.out('\n' + renderStep(st, i + 1, steps.length, s.c, s.term.width, s.term.rows - 10, s.term.unicode, d.skipByDefault[st.key]));
      const options: Choice<Action>[] = [
        previous.action === 'enter'
          ? { value: 'accept', name: `Keep the value you entered (${oneLineValue(previous.value)})`, short: previous.value }
          : { value: 'accept', name: `Accept: ${st.bootOnly ? 'keep' : 'set'} ${oneLineValue(st.to)}`, short: 'accept' },
        { value: 'skip', name: 'Skip: leave it exactly as it is', short: 'skip' },
        ...(st.editable ? [{ value: 'enter' as const, name: 'Enter another value', short: 'enter a value' }] : []),
        { value: 'explain', name: `Read all (knobs explain ${st.explain})`, short: 'read all' },
        ...(rest ? [{ value: 'rest' as const, name: `Take the defaults for this and the ${rest} remaining change${rest > 1 ? 's' : ''}`, short: 'the defaults for the rest' }] : []),
      ];
      const action = await select<Action>(`${st.title}?`, options, { default: previous.action === 'skip' ? 'skip' : 'accept' });
      if (action === 'explain') {
        await page(await explainText(s, st.explain));
        continue;
      }
      if (action === 'rest') {
        for (const later of steps.slice(i)) walked.set(later.key, dflt(later));
        return;
      }
      if (action === 'enter') {
        const value = await enterValue(s, st, facts);
        walked.set(st.key, { action: 'enter', value });
      } else if (action === 'accept') walked.set(st.key, previous.action === 'enter' ? previous : { action: 'accept' });
      else {
        walked.set(st.key, { action: 'skip' });
        if (d.keep[st.key]) s.say(s.c.yellow(`Skipped, although ${d.keep[st.key]}.`));
      }
      break;
    }
  }
}

const oneLineValue = (v: string) => (v.length > 40 ? `${v.slice(0, 37)}...` : v);

async function enterValue(s: Session, st: Step, facts: HostFacts): Promise<string> {
  const nrOpen = toInt(facts.sysctl['fs.nr_open']?.live) ?? 1048576;
  const version = facts.kernel.version;
  const hint = st.kind === 'limit' ? 'soft value, or soft and hard separated by a space' : `value for ${st.key}`;
  return input(`New ${hint}:`, { validate: (v) => enteredValueProblem(st.key, v, version, nrOpen) });
}

async function explainText(s: Session, subject: string): Promise<string> {
  let text = '';
  const capture: Io = {
    out: (t) => void (text += t),
    err: (t) => void (text += t),
    isTTY: true,
    stdinTTY: false,
    color: s.io.color,
    env: s.io.env,
    width: s.term.width,
  };
  await runExplain({ root: s.root, args: [subject] }, capture);
  return text;
}

function toChoices(steps: Step[], walked: Map<string, Decision>, add: SysctlTarget[]): PlanChoices {
  const c: PlanChoices = { skip: [], sysctl: {}, limits: {}, add };
  for (const st of steps) {
    const d = walked.get(st.key);
    if (!d || st.kind === 'systemd') continue;
    if (d.action === 'skip') c.skip.push(st.key);
    if (d.action !== 'enter') continue;
    if (st.kind === 'sysctl') c.sysctl[st.key] = d.value;
    else {
      const [soft, hard] = d.value.trim().split(/\s+/);
      const item = st.key.slice('limits.'.length);
      for (const l of st.limits ?? []) {
        if (l.type === 'soft') c.limits[`${l.domain}:soft:${item}`] = soft!;
        else c.limits[`${l.domain}:hard:${item}`] = hard ?? higher(soft!, l.to);
      }
    }
  }
  return c;
}

/** One value entered for soft and hard: the hard limit never drops below it. */
function higher(a: string, b: string): string {
  const n = (v: string) => (/^\d+$/.test(v) ? Number(v) : Infinity);
  return n(a) >= n(b) ? a : b;
}

function listSkipped(s: Session, steps: Step[], walked: Map<string, Decision>): void {
  const skipped = steps.filter((st) => walked.get(st.key)?.action === 'skip');
  if (!skipped.length) return;
  s.io.out('\n');
  s.say(`Skipped, left as they are (${skipped.length}):`);
  for (const st of skipped) s.io.out(wrap(`${st.title}: ${st.from}`, s.term.width, '    ', '  - ') + '\n');
}

// ---- step 5: review, apply, save ---------------------------------------------------------

type Review = 'apply' | 'persist' | 'save' | 'back' | 'quit';

async function review(s: Session, plan: Plan, steps: Step[], walked: Map<string, Decision>): Promise<Review> {
  const changes = hasChanges(plan);
  s.io.out('\n');
  s.say(
    changes
      ? `The final plan: ${plan.files.length} file${plan.files.length === 1 ? '' : 's'} to write, ${plan.runtime.length} live value${plan.runtime.length === 1 ? '' : 's'} to set. The diff follows${
          s.term.rows ? ' (in a pager when it is longer than the screen: q returns here)' : ''
        }.`
      : 'With your choices there is nothing to change.',
  );
  if (changes || plan.refusals.length) {
    s.check();
    await page(renderDiff(plan, s.c, s.term.width, s.term.unicode));
  }
  listSkipped(s, steps, walked);
  const options: Choice<Review>[] = [];
  if (plan.refusals.length) s.say(s.c.red('knobs refuses this plan (see above): go back and change what it names, or quit.'));
  else if (changes) {
    options.push(
      { value: 'apply', name: 'Apply: write the files, set the live values (undo: knobs rollback)', short: 'apply' },
      { value: 'persist', name: 'Write the files only: live values change at the next boot', short: 'files only' },
    );
  }
  options.push(
    { value: 'save', name: 'Save the choices as a profile for other hosts; change nothing here', short: 'save as a profile' },
    { value: 'back', name: 'Go back through the changes', short: 'back' },
    { value: 'quit', name: 'Quit (nothing is changed)', short: 'quit' },
  );
  s.check();
  return select<Review>('What now?', options);
}

async function apply(s: Session, plan: Plan, runtime: boolean): Promise<number> {
  let result: ApplyResult | null = null;
  s.io.out('\n');
  const code = await applyPlan(plan, { root: s.root, scope: { persist: true, runtime }, json: false, restart: false, onResult: (r) => (result = r) }, s.io);
  const r = result as ApplyResult | null;
  if (r?.status === 'failed' && r.signal) {
    s.say(`Interrupted during the apply: the journal put every file and live value back${r.transaction ? ` (transaction ${r.transaction})` : ''}. Nothing was changed.`);
    return 130;
  }
  if (r?.status !== 'applied') return code;
  s.applied = r.transaction;
  const arrow = s.term.unicode ? '→' : '->';
  s.io.out('\n');
  s.say(s.c.bold('What changed:'));
  for (const f of r.files) s.io.out(wrap(`${f.action === 'create' ? 'created' : f.action === 'remove' ? 'removed' : 'replaced'} ${f.path}`, s.term.width, '    ', '  - ') + '\n');
  for (const v of r.sysctls) s.io.out(wrap(`${v.key}: ${v.from ?? 'absent'} ${arrow} ${v.to} (live)`, s.term.width, '    ', '  - ') + '\n');
  if (!runtime && plan.runtime.length) s.say(`The ${plan.runtime.length} live value${plan.runtime.length > 1 ? 's change' : ' changes'} at the next boot.`);
  // applyPlan said what is left to do (daemon-reload, restarts: its `then:` lines) and printed the undo command.
  if (plan.warnings.some((w) => w.id === 'test-login')) {
    s.io.out('\n');
    s.say(s.c.yellow('Before you close this session: open a second SSH session (or `su -` in another terminal) and check `ulimit -n` there. If it cannot log in, undo from this one:'));
    s.command(s.rollback!);
  }
  return code;
}

async function offerSave(s: Session, set: ProfileSet, roles: string[], choices: PlanChoices, asked = false): Promise<void> {
  s.check();
  if (!asked) {
    s.io.out('\n');
    if (!(await confirm('Save these choices as a profile, so that other hosts can use them (knobs apply --profile NAME)?', false))) return;
  }
  const taken = (n: string) => set.sources.get(n);
  const name = await input('Profile name:', {
    default: `local-${roles[0]}`,
    validate: (v) => {
      if (!PROFILE_NAME.test(v)) return 'lower-case letters, digits, ".", "_" and "-", starting with a letter or digit';
      const t = taken(v);
      if (t?.origin === 'shipped') return `${v} is a shipped profile; a user profile of that name would replace it on this host`;
      return null;
    },
  });
  const file = `${USER_DIR}/${name}.ini`;
  if (taken(name) && !(await confirm(`${file} exists. Replace it?`, false))) {
    s.say('Not saved.');
    return;
  }
  const summary = await input('One line saying what the profile is for:', { default: `Chosen with knobs wizard from ${roles.join(', ')}` });
  const text = toProfileIni(name, summary, set.resolve(roles), choices);
  parseProfile(name, file, text); // what is written must load: an error here is a bug, not a half-written file
  s.check();
  let abs: string;
  try {
    abs = writablePath(s.root, file); // inside --root, never through a link out of it (src/host/confine.ts)
  } catch (err) {
    if (err instanceof ConfineError) throw new UserError(err.message);
    throw err;
  }
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  writeFileAtomic(abs, text, { mode: 0o644 });
  s.say(`Saved ${file}. Other hosts use it once the file is in their ${USER_DIR}/: knobs apply --profile ${name}`);
}
