// EACCES on a live value: run as an unprivileged user on a tree it owns, except one
// key file it may not write. Root bypasses permission bits, hence setpriv.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { fakeRoot, treeChecksum } from '../helpers/fake-root.js';
import { requires } from '../helpers/requires.js';

const NEEDS = requires('root', 'nobody runs the checkout');

function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const name of fs.readdirSync(dir)) {
    const full = path.join(dir, name);
    if (fs.lstatSync(full).isDirectory()) chownTree(full, uid, gid);
    else fs.lchownSync(full, uid, gid);
  }
}

describe.skipIf(NEEDS.skip)(NEEDS.title('a live value the user may not write (EACCES)'), () => {
  it('fails mid-transaction and is rolled back: exit 1, key and cause named, tree unchanged', () => {
    const root = fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128', 'net.ipv4.tcp_syncookies': '0' } });
    chownTree(root, 65534, 65534);
    fs.chownSync(path.join(root, 'proc/sys/net/ipv4/tcp_syncookies'), 0, 0); // 0644 root: nobody gets EACCES
    const before = treeChecksum(root);
    const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, 'apply', '--root', root, '--profile', 'web-node', '--yes'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('apply failed and was rolled back: net.ipv4.tcp_syncookies: cannot set "1": permission denied');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(treeChecksum(root)).toBe(before);
  });
});
