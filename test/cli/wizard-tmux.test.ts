// The wizard in a real terminal: tmux at 80x24, the built CLI on a --root tree,
// keys sent as an operator types them. Every prompt answered, then the files, the
// journal and the exit code; a second run interrupted with Ctrl+C at each step
// leaves the tree byte for byte as it was; TERM=dumb NO_COLOR=1 LANG=C gets no
// colour and nothing but ASCII; no screen line is longer than 80 columns.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOSTS } from '../fixtures/hosts/roles.js';
import { BIN, knobs } from '../helpers/cli.js';
import { treeChecksum } from '../helpers/fake-root.js';
import { requires } from '../helpers/requires.js';
import { Tmux } from '../helpers/tmux.js';
import { workloadRoot } from '../helpers/workload-root.js';

const NEEDS = requires('tmux', 'less');

const open: Tmux[] = [];
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

const UTF8 = { TERM: 'xterm-256color', LANG: 'C.UTF-8' };
const DUMB = { TERM: 'dumb', NO_COLOR: '1', LANG: 'C' };

function wizard(root: string, env: Record<string, string>): Tmux {
  const t = new Tmux([process.execPath, BIN, '--root', root, 'wizard'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, ...env } });
  open.push(t);
  return t;
}

/** The active question of a cursor-moving prompt: answered ones lose their `?`. */
const q = (text: string) => new RegExp(`^\\? ${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm');

/** Every line of the whole session, wrapped lines joined back, fits the 80 columns. */
function expectFits(t: Tmux): void {
  const lines = t.screen({ history: true, join: true }).split('\n');
  const wide = lines.filter((l) => [...l].length > 80);
  expect(wide, lines.join('\n')).toEqual([]);
}

describe.skipIf(NEEDS.skip)(NEEDS.title('knobs wizard in a real terminal (tmux, 80x24)'), () => {
  it('an operator answers every prompt and applies; the journal, the files, the profile; Ctrl+C at each step of a second run changes nothing', async () => {
    const root = workloadRoot(HOSTS['load-balancer']);
    const t = wizard(root, UTF8);
    await t.waitFor(q('Next?'));
    expect(t.screen()).toContain('Listening   haproxy on :80, :443 (pid 812, haproxy.service, nofile 2,048');
    t.keys('Enter');
    await t.waitFor(q('Which roles does this host play?'));
    expect(t.screen()).toMatch(/❯◉ load-balancer/); // proposed, checked, first
    t.keys('Enter');
    await t.waitFor(q('Do clients reach this host through NAT'));
    t.keys('Up', 'Enter'); // from "Not sure" (the default) up to "No"
    await t.waitFor(q('Do the backends or databases'));
    t.keys('Enter'); // "No": this host closes first (the default, from its TIME_WAIT)
    await t.waitFor(q('Which services need a higher descriptor limit?'));
    t.keys('Enter'); // haproxy.service, proposed
    await t.waitFor(q('net.core.somaxconn?'));
    expect(t.screen()).toContain('Change 1 of 5: net.core.somaxconn'); // syncookies, timestamps, file-max: met at boot
    t.keys('Down', 'Down', 'Enter'); // Enter another value
    await t.waitFor(q('New value for net.core.somaxconn:'));
    t.type('lots');
    t.keys('Enter');
    await t.waitFor(/"lots" is not an integer/);
    t.keys('C-u');
    t.type('8192');
    t.keys('Enter');
    await t.waitFor(q('net.ipv4.ip_local_port_range?'));
    t.keys('Down', 'Enter'); // skip
    await t.waitFor(q('net.ipv4.tcp_tw_reuse?'));
    t.keys('Down', 'Down', 'Down', 'Down', 'Enter'); // the defaults for the rest
    // The diff in less (longer than the screen): the operator reads it and quits with q.
    await t.waitFor(/^\+\+\+ b\/etc\/sysctl\.d\/90-knobs\.conf/m);
    await t.waitFor(/^:\s*$/m);
    t.keys('q');
    await t.waitFor(q('What now?'));
    expect(t.screen()).toContain('- net.ipv4.ip_local_port_range: 32768 60999');
    t.keys('Enter'); // Apply
    await t.waitFor(q('Save these choices as a profile'));
    expect(t.screen()).toContain('check `ulimit -n` there');
    t.type('y');
    t.keys('Enter');
    await t.waitFor(q('Profile name:'));
    t.type('edge-lb');
    t.keys('Enter');
    await t.waitFor(q('One line saying what the profile is for:'));
    t.keys('Enter');
    expect(await t.exitCode()).toBe(0);
    const all = t.screen({ history: true, join: true });
    expect(all).toContain('Saved /etc/knobs/profiles/edge-lb.ini.');
    expectFits(t);

    // What was written, and the journal that can undo it.
    expect(fs.readFileSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 'utf8')).toContain('net.core.somaxconn = 8192');
    expect(fs.readFileSync(path.join(root, 'etc/sysctl.d/90-knobs.conf'), 'utf8')).not.toContain('ip_local_port_range =');
    expect(fs.readFileSync(path.join(root, 'proc/sys/net/core/somaxconn'), 'utf8').trim()).toBe('8192');
    expect(fs.readFileSync(path.join(root, 'proc/sys/net/ipv4/ip_local_port_range'), 'utf8').trim().split(/\s+/)).toEqual(['32768', '60999']);
    expect(fs.readFileSync(path.join(root, 'etc/systemd/system/haproxy.service.d/90-knobs.conf'), 'utf8')).toContain('LimitNOFILE=65536:524288');
    expect(fs.readFileSync(path.join(root, 'etc/security/limits.d/90-knobs.conf'), 'utf8')).toMatch(/^\*\s+soft\s+nofile\s+65536$/m);
    const history = knobs(['history', '--json', '--root', root]).json();
    expect(history.transactions).toHaveLength(1);
    expect(history.transactions[0]).toMatchObject({ state: 'applied', profiles: ['load-balancer'] });
    expect(all.replace(/ \\\n +/g, ' ')).toContain(`knobs --root ${root} rollback ${history.transactions[0].id}`);
    // The saved profile is what this host now is: planned with it, no value changes (only the
    // profile names in the files' headers would).
    const plan = knobs(['plan', '--root', root, '--profile', 'edge-lb', '--json']);
    expect(plan.stderr).toBe('');
    expect(plan.json()).toMatchObject({ changes: [], runtime: [], refusals: [] });

    // A second run, interrupted at each step: nothing changes, exit 130.
    const before = treeChecksum(root);
    const steps: [RegExp, string[]][] = [
      [q('Next?'), ['Enter']],
      [q('Which roles does this host play?'), ['Enter']],
      [q('Do clients reach this host through NAT'), ['Up', 'Up', 'Enter']], // yes: keepalive joins the plan, the diff needs the pager
      [q('Do the backends or databases'), ['Enter']],
      [q('Which services need a higher descriptor limit?'), ['Enter']],
      [q('net.ipv4.ip_local_port_range?'), ['Down', 'Down', 'Down', 'Down', 'Enter']],
      [/^:\s*$/m, ['q']], // the pager
      [q('What now?'), ['Enter']],
    ];
    for (let stop = 0; stop < steps.length; stop++) {
      const r = wizard(root, UTF8);
      for (const [wait, keys] of steps.slice(0, stop)) {
        await r.waitFor(wait);
        r.keys(...keys);
      }
      await r.waitFor(steps[stop]![0]);
      r.keys('C-c');
      expect(await r.exitCode(), `Ctrl+C at ${steps[stop]![0]}`).toBe(130);
      expect(r.screen()).toContain('Interrupted. Nothing was changed.');
      expect(r.screen(), 'the menu is gone').not.toMatch(/^❯/m);
      expect(treeChecksum(root), `Ctrl+C at ${steps[stop]![0]}`).toBe(before);
      r.close();
    }
  }, 240_000);

  it('Ctrl+C during the apply: the journal puts everything back, the wizard says so, exit 130', async () => {
    const root = workloadRoot(HOSTS['web-node']);
    const checksum = () => treeChecksum(path.join(root, 'etc')) + treeChecksum(path.join(root, 'proc'));
    const before = checksum();
    // The applier holds after writing its first file (a test hook), long enough for the keys to arrive.
    const t = wizard(root, { ...UTF8, KNOBS_TEST_PAUSE_AT: 'file:0@5000' });
    for (const [wait, keys] of [
      [q('Next?'), ['Enter']],
      [q('Which roles does this host play?'), ['Enter']],
      [q('Do clients reach this host through NAT'), ['Enter']],
      [q('Which services need a higher descriptor limit?'), ['Enter']],
      [/Change 1 of \d+/, ['Down', 'Down', 'Down', 'Down', 'Enter']], // the defaults for the rest
    ] as [RegExp, string[]][]) {
      await t.waitFor(wait);
      t.keys(...keys);
    }
    if (/^:\s*$/m.test(await t.waitFor(/^:\s*$|^\? What now\?/m))) t.keys('q'); // the diff, in less when it is long
    await t.waitFor(q('What now?'));
    t.keys('Enter');
    const journals = path.join(root, 'var/lib/knobs/journal');
    for (const end = Date.now() + 30_000; !(fs.existsSync(journals) && fs.readdirSync(journals).length); ) {
      if (Date.now() > end) throw new Error(`the apply did not start:\n${t.screen()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
    expect(t.screen().replace(/\s+/g, ' ')).toMatch(/Interrupted during the apply: the journal put every file and live value back \(transaction \S+\)\. Nothing was changed\./);
    expect(checksum()).toBe(before);
    expect(knobs(['history', '--json', '--root', root]).json().transactions[0].state).toBe('failed');
  }, 120_000);

  it('NO_COLOR and LANG=C on a terminal that moves its cursor: ASCII marks, no colour', async () => {
    const root = workloadRoot(HOSTS['load-balancer']);
    const t = wizard(root, { TERM: 'xterm-256color', NO_COLOR: '1', LANG: 'C' });
    await t.waitFor(q('Next?'));
    t.keys('Enter');
    await t.waitFor(q('Which roles does this host play?'));
    const s = t.screen({ escapes: true });
    expect(s).toContain('>[x] load-balancer'); // the cursor, then the mark
    expect(s).toContain('up/down navigate, space select');
    expect(s).not.toMatch(/\x1b\[/);
    expect(s).toMatch(/^[\x00-\x7f]*$/);
    t.keys('C-c');
    expect(await t.exitCode()).toBe(130);
  }, 60_000);

  it('TERM=dumb NO_COLOR=1 LANG=C: numbered questions, paging by screen, no colour, nothing but ASCII, 80 columns', async () => {
    const root = workloadRoot(HOSTS['load-balancer']);
    const t = wizard(root, DUMB);
    const answer = async (prompt: RegExp, text: string) => {
      await t.waitFor(prompt);
      t.type(text);
      t.keys('Enter');
    };
    await answer(/Choose 1-2 \[1\]: *$/m, '');
    await answer(/Numbers separated by spaces, or none \[1\]: *$/m, '');
    await answer(/through NAT[\s\S]*Choose 1-3 \[3\]: *$/m, '2');
    await answer(/close the connections[\s\S]*Choose 1-3 \[2\]: *$/m, '');
    await answer(/higher descriptor limit[\s\S]*Numbers separated by spaces, or none \[1\]: *$/m, '');
    await answer(/Change 1 of 5[\s\S]*Choose 1-5 \[1\]: *$/m, '5');
    for (;;) {
      const s = await t.waitFor(/(-- more: .* --|What now\?[\s\S]*Choose 1-5 \[1\]:) *$/m);
      if (/What now\?/.test(s)) break;
      t.keys('Enter');
    }
    t.type('5'); // quit
    t.keys('Enter');
    expect(await t.exitCode()).toBe(0);
    const all = t.screen({ history: true, join: true, escapes: true });
    expect(all).toContain('Nothing was changed.');
    expect(all).toContain('now 128 -> proposed 4096');
    expect(all).not.toMatch(/\x1b\[/); // no colour, no cursor movement
    expect(all).toMatch(/^[\x00-\x7f]*$/);
    expectFits(t);
  }, 120_000);
});

describe('knobs wizard without a terminal', () => {
  it('stdin not a terminal (a pipe, or closed): exit 1 at once, pointing to plan and apply --yes', () => {
    const root = workloadRoot(HOSTS['web-node']);
    const r = knobs(['wizard', '--root', root], { input: '' });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^knobs: the wizard needs a terminal, and stdin is not one\n {2}hint: .*knobs plan --profile P.*knobs apply --profile P --yes/);
  });
});
