// A throwaway sshd for tests that need a host reached over real SSH: Debian's
// openssh-server with its own host key, user key and config in a temporary
// directory, listening on 127.0.0.1 only, stopped by its PID. It runs in a mount
// namespace with a tmpfs over /run, so the privilege separation directory it
// needs (/run/sshd) never appears on the machine.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from './temp.js';

export interface TestSshd {
  host: '127.0.0.1';
  port: number;
  user: string;
  /** Private key the test client logs in with. */
  identity: string;
  knownHosts: string;
  stop(): Promise<void>;
}

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'knobs-test', '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen: ${r.stderr}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function accepting(port: number, deadline: number): Promise<void> {
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('data', () => {
        c.destroy();
        resolve(true); // the SSH banner
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not answer on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startSshd(): Promise<TestSshd> {
  const dir = tempDir('knobs-sshd-');
  const hostKey = path.join(dir, 'host_ed25519');
  const identity = path.join(dir, 'id_ed25519');
  keygen(hostKey);
  keygen(identity);
  fs.copyFileSync(`${identity}.pub`, path.join(dir, 'authorized_keys'));
  const port = await freePort();
  const user = os.userInfo().username;
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'UsePAM no',
      // The temporary directory is not root-only all the way up; this sshd trusts it.
      'StrictModes no',
      'Subsystem sftp internal-sftp',
      'LogLevel ERROR',
      '',
    ].join('\n'),
  );
  const knownHosts = path.join(dir, 'known_hosts');
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${fs.readFileSync(`${hostKey}.pub`, 'utf8')}`);
  const script = 'mount -t tmpfs -o mode=0755 tmpfs /run && mkdir -m 0755 /run/sshd && exec /usr/sbin/sshd -D -e -f "$1"';
  const child: ChildProcess = spawn('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      accepting(port, Date.now() + 15_000),
      exited.then(() => {
        throw new Error(`sshd exited: ${stderr}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    identity,
    knownHosts,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM'); // the unshare'd shell exec'd sshd: this PID is sshd
        await exited;
      }
    },
  };
}
