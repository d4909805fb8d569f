// The wizard with scripted answers, in process (every branch): each scripted answer
// names the question it answers, so a test reads as the session it stands for and
// fails on the first question it did not expect. End to end in a real terminal:
// wizard-tmux.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { HOSTS } from '../fixtures/hosts/roles.js';
import { fakeRoot, treeChecksum } from '../helpers/fake-root.js';
import { workloadRoot } from '../helpers/workload-root.js';

interface Asked {
  kind: string;
  message: string;
  choices?: { value: string; name: string; checked?: boolean; description?: string }[];
  default?: unknown;
}
type Answer = [RegExp, unknown];

const script: Answer[] = [];
const asked: Asked[] = [];
const errors: string[] = [];
let paged = '';

function next(q: Asked): unknown {
  asked.push(q);
  const a = script.shift();
  if (!a) throw new Error(`unscripted question: ${q.kind} "${q.message}"`);
  if (!a[0].test(q.message)) throw new Error(`expected a question matching ${a[0]}, got ${q.kind} "${q.message}"`);
  if (a[1] instanceof Error) throw a[1];
  if (q.choices && q.kind !== 'checkbox' && !q.choices.some((c) => c.value === a[1])) {
    throw new Error(`"${q.message}": ${String(a[1])} is not among ${q.choices.map((c) => c.value).join(', ')}`);
  }
  return a[1];
}

vi.mock('../../src/cli/prompts.js', () => ({
  select: async (message: string, choices: Asked['choices'], opts: { default?: unknown } = {}) => next({ kind: 'select', message, choices, default: opts.default }),
  checkbox: async (message: string, choices: Asked['choices']) => next({ kind: 'checkbox', message, choices }),
  confirm: async (message: string, dflt: boolean) => next({ kind: 'confirm', message, default: dflt }),
  input: async (message: string, opts: { default?: string; validate?: (v: string) => string | null } = {}) => {
    for (;;) {
      const v = next({ kind: 'input', message, default: opts.default }) as string;
      const problem = opts.validate?.(v) ?? null;
      if (problem === null) return v;
      errors.push(problem); // the operator sees it and types again
    }
  },
  page: async (text: string) => void (paged += text),
}));
const { main } = await import('../../src/cli/main.js');
const { Interrupted } = await import('../../src/cli/interrupted.js');

function tty(env: Record<string, string> = { LANG: 'C.UTF-8' }): Io & { text: () => string; errors: () => string } {
  let out = '';
  let err = '';
  return { out: (t) => void (out += t), err: (t) => void (err += t), isTTY: true, stdinTTY: true, color: false, env, width: 80, rows: 24, text: () => out, errors: () => err };
}

async function wizard(root: string, answers: Answer[], env?: Record<string, string>) {
  script.splice(0, script.length, ...answers);
  const io = tty(env);
  const code = await main(['node', 'knobs', 'wizard', '--root', root], io);
  expect(script.map((a) => String(a[0])), `every scripted answer was asked for\n${io.errors()}\n${io.text().slice(-1500)}`).toEqual([]);
  return { code, out: io.text(), err: io.errors() };
}

beforeEach(() => {
  script.splice(0);
  asked.splice(0);
  errors.splice(0);
  paged = '';
});

/** The output with line breaks folded: what a wrapped sentence says, wherever the terminal broke it. */
const flat = (text: string) => text.replace(/\s+/g, ' ');
const ask = (re: RegExp) => asked.find((q) => re.test(q.message))!;
const WALK = /^(?:[a-z]+\.[\w.-]+|nofile for logins.*|\S+ LimitNOFILE)\?$/; // a change's question: its title

describe('knobs wizard (scripted answers)', () => {
  it('a load balancer: proposed from its evidence, questions, skip and edit, review, apply, save as a profile', async () => {
    const root = workloadRoot(HOSTS['load-balancer']);
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['load-balancer']],
      [/through NAT/, 'no'],
      [/close the connections first/, 'no'],
      [/higher descriptor limit/, ['haproxy.service']],
      [/^net\.core\.somaxconn\?$/, 'enter'],
      [/^New value for net\.core\.somaxconn/, 'lots'],
      [/^New value for net\.core\.somaxconn/, '8192'],
      // tcp_syncookies = 1, tcp_timestamps = 1 and fs.file-max (RAM-derived) are met at boot on this host: not steps.
      [/^net\.ipv4\.ip_local_port_range\?$/, 'accept'],
      [/^net\.ipv4\.tcp_tw_reuse\?$/, 'skip'],
      [/^nofile for logins/, 'rest'],
      [/^What now/, 'apply'],
      [/^Save these choices/, true],
      [/^Profile name/, 'web-node'],
      [/^Profile name/, 'edge-lb'],
      [/^One line/, 'Edge load balancers in front of the shop'],
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // Step 1: the look.
    expect(r.out).toContain('Kernel      5.4.0-170-generic, Debian GNU/Linux 12 (bookworm)');
    expect(r.out).toContain('Listening   haproxy on :80, :443 (pid 812, haproxy.service, nofile 2,048, 1,692\n');
    expect(r.out).toContain('Outbound    10.0.0.5:8080: 1,200 open, 800 TIME_WAIT\n');
    expect(r.out).toContain('Symptoms    ! 150 CLOSE_WAIT held by haproxy (pid 812)');
    // Step 2: proposed from the evidence, pre-checked.
    expect(r.out).toContain('haproxy (pid 812) listens on :80, :443 and this host holds 2,450');
    expect(ask(/^Which roles/).choices!.filter((c) => c.checked).map((c) => c.value)).toEqual(['load-balancer']);
    // Step 3: every question says why it matters; this host closes first, so that is the default.
    expect(flat(r.out)).toContain('Why it matters: Whoever closes first keeps the TIME_WAIT for 60 s.');
    expect(flat(r.out)).toContain('Seen here: 800 TIME_WAIT towards its destinations now: this host closed those first');
    expect(ask(/close the connections first/).default).toBe('no');
    expect(ask(/higher descriptor limit/).choices).toEqual([
      { value: 'haproxy.service', name: 'haproxy.service (haproxy on :80, :443; soft nofile 2048, 1692 open)', checked: true },
    ]);
    // Step 4: each change, current → proposed and the explain texts; the invalid value was refused.
    expect(r.out).toContain('Change 1 of 5: net.core.somaxconn');
    expect(r.out).toContain('    now 128 → proposed 4096');
    expect(r.out).toMatch(/Why \(profile load-balancer\): Accept queue cap for every listener/);
    expect(errors).toEqual(['"lots" is not an integer', 'web-node is a shipped profile; a user profile of that name would replace it on this host']);
    // Step 5: the diff went through the pager; the skipped change is listed, not planned.
    expect(paged).toContain('+++ b/etc/sysctl.d/90-knobs.conf');
    expect(paged).toContain('+net.core.somaxconn = 8192');
    expect(paged).not.toMatch(/^\+net\.ipv4\.tcp_tw_reuse/m);
    expect(paged).toContain('+++ b/etc/systemd/system/haproxy.service.d/90-knobs.conf');
    expect(r.out).toMatch(/Skipped, left as they are \(1\):\n {2}- net\.ipv4\.tcp_tw_reuse: 2/);
    // Applied with a journal; what changed, what is left, how to undo, the login check.
    const id = /Applied transaction ([^\s:]+)/.exec(r.out)![1]!;
    expect(fs.readFileSync(path.join(root, 'proc/sys/net/core/somaxconn'), 'utf8').trim()).toBe('8192');
    expect(fs.readFileSync(path.join(root, 'proc/sys/net/ipv4/tcp_tw_reuse'), 'utf8').trim()).toBe('2');
    expect(fs.existsSync(path.join(root, 'var/lib/knobs/journal', id, 'journal.json'))).toBe(true);
    expect(r.out).toContain('  - net.core.somaxconn: 128 → 8192 (live)');
    expect(r.out).toContain('then: haproxy.service: run `systemctl daemon-reload`, then restart it');
    expect(flat(r.out).replace(/\\ /g, '')).toContain(`Undo with: knobs --root ${root} rollback ${id} `); // a `\` continuation where it wraps
    expect(r.out).toContain('open a second SSH session');
    // Saved as a user profile that loads and plans the same on another host.
    const saved = fs.readFileSync(path.join(root, 'etc/knobs/profiles/edge-lb.ini'), 'utf8');
    expect(saved).toContain('summary = Edge load balancers in front of the shop');
    expect(saved).toContain('net.core.somaxconn = 8192');
    expect(saved).toContain('; Left as they are on purpose: net.ipv4.tcp_tw_reuse.');
    expect(r.out).toContain('Saved /etc/knobs/profiles/edge-lb.ini.');
  });

  it('a Kubernetes node: nat-facing proposed; a web node answering "clients through NAT" borrows keepalive', async () => {
    const root = workloadRoot(HOSTS['nat-facing']);
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['nat-facing']],
      [WALK, 'rest'],
      [/^What now/, 'quit'],
    ]);
    expect(r.code).toBe(0);
    expect(ask(/^Which roles/).choices!.filter((c) => c.checked).map((c) => c.value)).toEqual(['nat-facing']);
    expect(r.out).toContain('Kubernetes node: kubelet listens on :10250');
    expect(paged).toContain('+net.netfilter.nf_conntrack_tcp_timeout_established = 86400');

    const web = workloadRoot(HOSTS['web-node']);
    const w = await wizard(web, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['web-node']],
      [/through NAT/, 'yes'],
      [/higher descriptor limit/, []],
      [WALK, 'rest'],
      [/^What now/, 'quit'],
    ]);
    expect(w.code).toBe(0);
    expect(paged).toContain('+net.ipv4.tcp_keepalive_time = 180');
    expect(paged).toContain('# profile/sysctl-target: db-client: A pooled connection whose peer vanished');
  });

  it('answers: forwarding seen on a host chosen as web node asks about NAT gateways; yes adds nat-facing', async () => {
    const root = workloadRoot({ ...HOSTS['web-node'], sysctl: { 'net.ipv4.ip_forward': '1' }, interfaces: ['lo', 'eth0', 'docker0'] });
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['web-node']],
      [/NAT gateway or a Kubernetes node/, 'yes'],
      [/through NAT/, 'no'],
      [/higher descriptor limit/, []],
      [WALK, 'rest'],
      [/^What now/, 'quit'],
    ]);
    expect(r.out).toContain('Seen here: ip_forward is 1; docker0 interface\n');
    expect(r.out).toContain('Added the role nat-facing.');
    expect(paged).toContain('# Profiles: web-node, nat-facing');
  });

  it('backends that close first: their TIME_WAIT changes default to skip, and say why', async () => {
    const root = workloadRoot({ ...HOSTS['db-client'] });
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['db-client']],
      [/close the connections first/, 'yes'],
      [WALK, 'rest'],
      [/^What now/, 'apply'],
      [/^Save these choices/, false],
    ]);
    expect(r.code).toBe(0);
    expect(ask(/^net\.ipv4\.tcp_keepalive_intvl\?$/) ?? ask(WALK)).toBeTruthy();
    expect(fs.readFileSync(path.join(root, 'proc/sys/net/ipv4/tcp_tw_reuse'), 'utf8').trim()).not.toBe('1');
    expect(r.out).toMatch(/Skipped, left as they are \(1\):\n {2}- net\.ipv4\.tcp_tw_reuse/);
  });

  it('a step shows the answer that made it default to skip, and "Read all" is the explain text', async () => {
    const root = workloadRoot({ ...HOSTS['db-client'] });
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['db-client']],
      [/close the connections first/, 'yes'],
      [/^net\.ipv4\.tcp_keepalive_time\?$/, 'explain'],
      [/^net\.ipv4\.tcp_keepalive_time\?$/, 'accept'],
      [/^net\.ipv4\.tcp_keepalive_intvl\?$/, 'accept'],
      [/^net\.ipv4\.tcp_keepalive_probes\?$/, 'accept'],
      [/^net\.ipv4\.tcp_tw_reuse\?$/, 'rest'],
      [/^What now/, 'quit'],
    ]);
    expect(paged).toMatch(/^net\.ipv4\.tcp_keepalive_time\n/);
    expect(paged).toContain('db-client: at most 180');
    expect(ask(/^net\.ipv4\.tcp_keepalive_time\?$/).default).toBe('accept');
    expect(ask(/^net\.ipv4\.tcp_tw_reuse\?$/).default).toBe('skip');
    expect(r.out).toContain('Your answer: the backends close first: the TIME_WAIT is theirs');
  });

  it('writing files only leaves live values for the next boot', async () => {
    // 4.15: somaxconn defaults to 128 there, so web-node's target needs a line (on 5.4+ the default meets it).
    const root = workloadRoot({ kernel: '4.15', sysctl: { 'net.core.somaxconn': '128' } });
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['web-node']],
      [/through NAT/, 'unsure'],
      [WALK, 'rest'],
      [/^What now/, 'persist'],
      [/^Save these choices/, false],
    ]);
    expect(r.code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 'utf8')).toContain('net.core.somaxconn = 4096');
    expect(fs.readFileSync(path.join(root, 'proc/sys/net/core/somaxconn'), 'utf8').trim()).toBe('128');
    expect(r.out).toContain('live values change at the next boot');
  });

  it('saving the choices without changing this host writes only the profile', async () => {
    const root = workloadRoot({ kernel: '6.1' });
    const before = treeChecksum(root);
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['db-client']],
      [/close the connections first/, 'unsure'],
      [WALK, 'skip'],
      [WALK, 'rest'],
      [/^What now/, 'save'],
      [/^Profile name/, 'pool-workers'],
      [/^One line/, 'Workers with database pools'],
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Nothing was changed.');
    fs.rmSync(path.join(root, 'etc/knobs'), { recursive: true });
    expect(treeChecksum(root)).toBe(before);
  });

  it('quitting at any step, or Ctrl+C, changes nothing and says so (130 for Ctrl+C)', async () => {
    const root = workloadRoot(HOSTS['load-balancer']);
    const before = treeChecksum(root);
    const steps: Answer[] = [
      [/^Next/, 'roles'],
      [/^Which roles/, ['load-balancer']],
      [/through NAT/, 'no'],
      [/close the connections first/, 'no'],
      [/higher descriptor limit/, ['haproxy.service']],
      [WALK, 'rest'],
      [/^What now/, 'apply'],
    ];
    expect((await wizard(root, [[/^Next/, 'quit']])).code).toBe(0);
    for (let i = 0; i < steps.length; i++) {
      const r = await wizard(root, [...steps.slice(0, i), [steps[i]![0], new Interrupted('interrupt')]]);
      expect(r.code, `Ctrl+C at ${steps[i]![0]}`).toBe(130);
      expect(r.out).toMatch(/Interrupted\. Nothing was changed\.\n$/);
      expect(treeChecksum(root)).toBe(before);
    }
    const eof = await wizard(root, [[/^Next/, new Interrupted('end-of-input')]]);
    expect(eof.code).toBe(1);
    expect(eof.out).toContain('The input ended. Nothing was changed.');
  });

  it('Ctrl+C after the apply says the transaction stays and how to undo it', async () => {
    const root = workloadRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128' } });
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['web-node']],
      [/through NAT/, 'no'],
      [WALK, 'rest'],
      [/^What now/, 'apply'],
      [/^Save these choices/, new Interrupted('interrupt')],
    ]);
    expect(r.code).toBe(130);
    expect(flat(r.out).replace(/\\ /g, '')).toMatch(/Interrupted after the apply: transaction (\S+) stays applied; nothing else was changed\. To undo it: knobs --root \S+ rollback \1 $/);
  });

  it('no role chosen: says why there is nothing to plan, then asks again', async () => {
    const root = workloadRoot(HOSTS.none);
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, []],
      [/^What now/, 'quit'],
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('knobs sees no role in what this host does now');
    expect(r.out).toContain('No role chosen.');
  });

  it('a refused plan cannot be applied: only back, save or quit are offered', async () => {
    // Every name knobs could use for its sysctl.d file is taken by a file it did not write: `not-ours`.
    const mine = '# written by the site, not by knobs\n';
    const root = workloadRoot({
      kernel: '4.15',
      sysctl: { 'net.core.somaxconn': '128' },
      files: { '/etc/sysctl.d/90-knobs.conf': mine, '/etc/sysctl.d/99-knobs.conf': mine, '/etc/sysctl.d/99-zz-knobs.conf': mine },
    });
    const r = await wizard(root, [
      [/^Next/, 'roles'],
      [/^Which roles/, ['web-node']],
      [/through NAT/, 'no'],
      [WALK, 'accept'], // the only step: the refused sysctl file shows no change
      [/^What now/, 'quit'],
    ]);
    expect(r.out).toContain('knobs refuses this plan');
    expect(ask(/^What now/).choices!.map((c) => c.value)).toEqual(['save', 'back', 'quit']);
  });

  it('every line fits 80 columns; with LANG=C nothing but ASCII reaches the terminal', async () => {
    const root = workloadRoot(HOSTS['load-balancer']);
    const answers: Answer[] = [
      [/^Next/, 'roles'],
      [/^Which roles/, ['load-balancer']],
      [/through NAT/, 'no'],
      [/close the connections first/, 'no'],
      [/higher descriptor limit/, ['haproxy.service']],
      [WALK, 'rest'],
      [/^What now/, 'quit'],
    ];
    const r = await wizard(root, answers, { LANG: 'C' });
    for (const line of r.out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(r.out).toMatch(/^[\x00-\x7f]*$/);
    expect(r.out).toContain('    now 128 -> proposed 4096');
  });

  it('needs a terminal: exits 1 at once pointing to plan and apply --yes', async () => {
    for (const io of [{ ...tty(), stdinTTY: false }, { ...tty(), isTTY: false }]) {
      script.splice(0);
      const errs: string[] = [];
      const code = await main(['node', 'knobs', 'wizard', '--root', fakeRoot()], { ...io, err: (t) => void errs.push(t) });
      expect(code).toBe(1);
      expect(errs.join('')).toMatch(/^knobs: the wizard needs a terminal, and (stdin|stdout) is not one\n {2}hint: .*knobs plan --profile P.*knobs apply --profile P --yes/);
    }
    expect(asked).toEqual([]);
  });
});
