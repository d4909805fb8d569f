// Durations as rules print them next to counters that run since boot.

/** Seconds as "3 d 4 h" / "5 h 12 min" / "42 min". */
export function uptimeText(s: number): string {
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return d ? `${d} d ${h} h` : h ? `${h} h ${m} min` : `${m} min`;
}
