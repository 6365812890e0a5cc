import type { RandomSource } from '../clock';

/**
 * A small deterministic random source (mulberry32) for tests, simulations and reproducible
 * fault injection. Same seed, same sequence.
 */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number in [min, max) from `random`. */
export function between(random: RandomSource, min: number, max: number): number {
  return max <= min ? min : min + random() * (max - min);
}
