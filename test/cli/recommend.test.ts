// `knobs recommend` on fixture hosts, one per role and one that fits none, through
// the built CLI as a script would run it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOSTS } from '../fixtures/hosts/roles.js';
import { knobs } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp.js';
import { workloadRoot } from '../helpers/workload-root.js';

const recommend = (name: string, extra: string[] = []) => {
  const r = knobs(['recommend', '--json', '--root', workloadRoot(HOSTS[name]), ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.json();
};

describe('knobs recommend --json', () => {
  it('a load balancer: haproxy with connections to its backends, evidence naming both', () => {
    const doc = recommend('load-balancer');
    expect(doc.schemaVersion).toBe(1);
    expect(doc.roles[0]).toMatchObject({ profile: 'load-balancer', confidence: 'high' });
    const messages = doc.roles[0].evidence.map((e: { message: string }) => e.message);
    expect(messages[0]).toBe('haproxy (pid 812) listens on :80, :443 and this host holds 2,450 connections to 10.0.0.5:8080 and 1 more backend');
    expect(doc.roles[0].evidence[0].signal).toBe('proxy-with-backends');
    expect(doc.suggested).toBe('load-balancer');
  });

  it('a web node: an application server with short inbound connections and overflowing queues', () => {
    const doc = recommend('web-node');
    expect(doc.roles.map((r: { profile: string }) => r.profile)).toEqual(['web-node']);
    expect(doc.roles[0].confidence).toBe('high');
    expect(doc.roles[0].evidence.map((e: { signal: string }) => e.signal)).toEqual(['app-listener', 'short-inbound-connections', 'listen-overflows']);
    expect(doc.roles[0].evidence[0].message).toBe('node (pid 4411) listens on :3000: an application server');
  });

  it('a database client: a pool to PostgreSQL; a loopback-only listener is not a web node', () => {
    const doc = recommend('db-client');
    expect(doc.roles).toEqual([
      { profile: 'db-client', confidence: 'medium', evidence: [{ signal: 'database-pool', message: 'this host holds 64 connections to PostgreSQL at 10.0.0.7:5432' }] },
    ]);
    expect(doc.suggested).toBe('db-client');
  });

  it('a Kubernetes node: kubelet, a pod network, forwarding and conntrack', () => {
    const doc = recommend('nat-facing');
    expect(doc.roles.map((r: { profile: string }) => r.profile)).toEqual(['nat-facing']);
    expect(doc.roles[0].confidence).toBe('high');
    const signals = doc.roles[0].evidence.map((e: { signal: string }) => e.signal);
    expect(signals).toEqual(['kubernetes-node', 'ip-forward', 'conntrack']);
    expect(doc.roles[0].evidence[0].message).toContain('kubelet listens on :10250');
    expect(doc.roles[0].evidence[0].message).toContain('pod network interfaces cni0, flannel.1');
    expect(doc.roles[0].evidence[2].message).toBe('conntrack tracks 40,100 flows (15.3% of 262,144)');
  });

  it('a host that fits no role: no roles, nothing suggested, exit 0', () => {
    const doc = recommend('none');
    expect(doc.roles).toEqual([]);
    expect(doc.suggested).toBe('');
  });

  it('the same from a facts snapshot (fleet reports judge snapshots)', () => {
    const root = workloadRoot(HOSTS['load-balancer']);
    const snap = knobs(['facts', '--json', '--root', root]);
    expect(snap.code).toBe(0);
    expect(snap.json().workload.listeners.map((l: { port: number }) => l.port)).toEqual([22, 80, 443]);
    const file = path.join(tempDir('knobs-facts-'), 'host.json');
    fs.writeFileSync(file, snap.stdout);
    const fromFile = knobs(['recommend', '--json', '--facts', file]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.json().roles).toEqual(knobs(['recommend', '--json', '--root', root]).json().roles);
  });

  it('prints the roles and a plan command as text', () => {
    const r = knobs(['recommend', '--root', workloadRoot(HOSTS['load-balancer'])], { env: { COLUMNS: '80' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^load-balancer \(high\)\n {2}- haproxy \(pid 812\) listens on :80, :443 and this host holds 2,450/);
    expect(r.stdout).toContain('Review with: knobs plan --profile load-balancer');
    for (const line of r.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    const none = knobs(['recommend', '--root', workloadRoot(HOSTS.none)]);
    expect(none.stdout).toMatch(/^No role fits what this host does now/);
  });
});
