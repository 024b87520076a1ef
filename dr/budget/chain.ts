import type { Bound } from "./types";

/**
 * Steps that happen one after another (someone is paged, then restores): their times add up.
 * The fix is the one of the step that breaks the bound (an unbounded step), or else of the
 * longest step, where a change buys the most.
 */
export function inSequence(...steps: Bound[]): Bound {
  const seconds = steps.reduce((sum, b) => sum + b.seconds, 0);
  const unbounded = steps.find((b) => !Number.isFinite(b.seconds));
  if (unbounded) return { ...unbounded, seconds: Infinity };
  const longest = steps.reduce((a, b) => (b.seconds > a.seconds ? b : a));
  const unreachable = steps.find((b) => b.unreachable)?.unreachable;
  return {
    seconds,
    mechanism: steps.map((b) => b.mechanism).join(" + "),
    ...(longest.fix ? { fix: longest.fix } : {}),
    ...(unreachable ? { unreachable } : {}),
  };
}
