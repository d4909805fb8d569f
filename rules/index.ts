// Every rule, sorted by id. test/meta.test.ts proves this list equals the files
// under rules/, that every rule has a test file, and that ids equal paths.
import type { Rule } from '../src/core/define-rule.js';
import netTcpTwRecycle from './net/tcp-tw-recycle.js';
import profileSysctlTarget from './profile/sysctl-target.js';

export const rules: readonly Rule[] = [
  netTcpTwRecycle,
  profileSysctlTarget,
] as unknown as readonly Rule[];
