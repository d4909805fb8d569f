// Finding profiles: shipped ones (the package's profiles/ directory, or inside the single executable), user ones in
// etc/knobs/profiles/*.ini under --root, which add to or override shipped ones by name.

import { combineProfiles, MAX_INCLUDE_DEPTH } from '../core/combine.js';
import type { Profile, ResolvedProfile } from '../core/types.js';
import { UserError } from '../errors.js';
import type { HostFs } from '../host/host-fs.js';
import { shippedProfiles } from '../shipped.js';
import { parseProfile, suggestKey } from './parse.js';

export const USER_DIR = '/etc/knobs/profiles';
export { MAX_INCLUDE_DEPTH };

export interface ProfileSource {
  name: string;
  /** Path to show: a host path for user profiles, the package path for shipped ones. */
  file: string;
  origin: 'shipped' | 'user';
  read(): string;
}

export function listProfileSources(host: HostFs): Map<string, ProfileSource> {
  const out = new Map<string, ProfileSource>();
  for (const p of shippedProfiles()) out.set(p.name, { ...p, origin: 'shipped' });
  host.assertTrusted('/etc/knobs');
  host.assertTrusted(USER_DIR);
  for (const f of (host.readdir(USER_DIR) ?? []).filter((f) => f.endsWith('.ini'))) {
    const hostPath = `${USER_DIR}/${f}`;
    out.set(f.slice(0, -4), {
      name: f.slice(0, -4),
      file: hostPath,
      origin: 'user',
      read: () => {
        host.assertTrusted(hostPath);
        return host.readText(hostPath) ?? '';
      },
    });
  }
  return out;
}

export class ProfileSet {
  private readonly cache = new Map<string, Profile>();

  constructor(readonly sources: Map<string, ProfileSource>) {}

  static load(host: HostFs): ProfileSet {
    return new ProfileSet(listProfileSources(host));
  }

  get(name: string, includedFrom?: string, depth = 0): Profile {
    const hit = this.cache.get(name);
    if (hit) return hit;
    if (depth > MAX_INCLUDE_DEPTH) {
      throw new UserError(`${includedFrom}: include: chain deeper than ${MAX_INCLUDE_DEPTH} profiles (at "${name}")`, 'flatten the includes');
    }
    const src = this.sources.get(name);
    if (!src) {
      const known = [...this.sources.keys()];
      const guess = suggestKey(name, known);
      throw new UserError(
        includedFrom ? `${includedFrom}: include: unknown profile "${name}"` : `unknown profile "${name}"`,
        `${guess ? `did you mean ${guess}? ` : ''}known profiles: ${known.join(', ')} (user profiles go in ${USER_DIR}/<name>.ini)`,
      );
    }
    const profile = parseProfile(name, src.file, src.read());
    this.cache.set(name, profile);
    for (const inc of profile.includes) this.get(inc, src.file, depth + 1);
    return profile;
  }

  resolve(names: readonly string[]): ResolvedProfile {
    for (const n of names) this.get(n);
    try {
      return combineProfiles(names, (n) => this.get(n));
    } catch (err) {
      throw new UserError(`profiles: ${(err as Error).message}`);
    }
  }
}

/** `--profile web-node,nat-facing` → ['web-node', 'nat-facing']. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}
