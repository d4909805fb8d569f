// The exit-code contract (shared/CONTRACT.md), in one place.
export const EXIT = {
  /** Clean, nothing to change, or done. */
  ok: 0,
  /** Usage error, unreadable or invalid input, refused unsafe action, failed apply that was rolled back. */
  error: 1,
  /** Findings at or above --fail-on (audit) or changes pending (plan). */
  findings: 2,
  /** Apply or rollback failed and could not restore a consistent state: manual action needed. */
  inconsistent: 3,
} as const;
