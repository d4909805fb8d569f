// The rules `knobs sockets` evaluates: every rule under rules/sockets/ (those that
// judge the socket census, `needs: ['socketCensus']`, and sockets/close-wait, which
// judges the counts `audit` has too). Imported one by one rather than through
// rules/index.ts, so that `knobs sockets` does not load every rule and the catalogue
// at each start (test/cli/sockets-fail-on.test.ts checks this list against the registry).
import type { Rule } from '../core/define-rule.js';
import closeWait from '../../rules/sockets/close-wait.js';
import closeWaitUninspectable from '../../rules/sockets/close-wait-uninspectable.js';
import listenOverflows from '../../rules/sockets/listen-overflows.js';
import orphansNearLimit from '../../rules/sockets/orphans-near-limit.js';
import timeWaitIncoming from '../../rules/sockets/time-wait-incoming.js';
import timeWaitOutgoing from '../../rules/sockets/time-wait-outgoing.js';
import twBucketsNearLimit from '../../rules/sockets/tw-buckets-near-limit.js';
import twOverflow from '../../rules/sockets/tw-overflow.js';

export const SOCKET_RULES: readonly Rule[] = [
  closeWait,
  closeWaitUninspectable,
  listenOverflows,
  orphansNearLimit,
  timeWaitIncoming,
  timeWaitOutgoing,
  twBucketsNearLimit,
  twOverflow,
] as unknown as readonly Rule[];

/**
 * Accept-list ids `knobs sockets` can vouch for: its own, and any id outside
 * rules/sockets/, which it leaves to `audit` to check (loading every rule to check
 * them would double the size of the sockets bundle).
 */
export function acceptableRuleId(id: string): boolean {
  return !id.startsWith('sockets/') || SOCKET_RULES.some((r) => r.id === id);
}
