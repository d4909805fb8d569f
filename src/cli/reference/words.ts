// The fixed words completion offers: shipped profiles, rule ids, the catalogue's
// sysctl keys and the limit items --only accepts (`limits.nofile`).

import { rules } from '../../../rules/index.js';
import { knownKeys } from '../../core/catalog.js';
import { RLIMIT_ITEMS } from '../../core/limits-conf.js';
import { shippedProfiles } from '../../shipped.js';
import type { CompletionWords } from './completion.js';

export function completionWords(): CompletionWords {
  return {
    profiles: shippedProfiles().map((p) => p.name),
    rules: rules.map((r) => r.id).sort(),
    keys: [...knownKeys()].sort(),
    limitItems: RLIMIT_ITEMS.map((i) => `limits.${i}`),
  };
}
