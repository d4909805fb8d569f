import pc from 'picocolors';
import type { Io } from '../io.js';

export type Colors = ReturnType<typeof pc.createColors>;

/** Colour only on a TTY and never with NO_COLOR (decided once in Io). */
export function colorsFor(io: Io): Colors {
  return pc.createColors(io.color);
}
