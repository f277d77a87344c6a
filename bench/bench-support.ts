import { seededRandom, type Random } from '@gridflex/simulator';
import { cpus, totalmem } from 'os';

export type { Random };

/** mulberry32 (the simulator's seeded PRNG), so every run of a benchmark measures the same instances. */
export const fixedSeedRandom = seededRandom;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const REFERENCE_RUNS = 7;
const REFERENCE_SIZE = 1 << 16;
const REFERENCE_PASSES = 40;

/**
 * A fixed pure-JS workload of the kind the benches measure (typed-array arithmetic with scattered
 * reads, as a sparse simplex does, and a sort): the same work on every machine and every day, so that
 * figures divided by its time compare across machines that differ 2–3× in speed.
 */
function referenceWorkload(): number {
  const random = seededRandom(20261207);
  const values = Float64Array.from({ length: REFERENCE_SIZE }, () => random());
  const next = Int32Array.from({ length: REFERENCE_SIZE }, () => Math.floor(random() * REFERENCE_SIZE));
  let checksum = 0;
  for (let pass = 0; pass < REFERENCE_PASSES; pass++) {
    for (let k = 0; k < REFERENCE_SIZE; k++) {
      const j = next[k];
      values[k] = values[k] * 0.999 + values[j] * 0.001;
      checksum += values[j];
    }
  }
  const sorted = Float64Array.from(values).sort();
  return checksum + sorted[REFERENCE_SIZE >> 1];
}

let referenceMs: number | undefined;

/** The reference workload's time, best of REFERENCE_RUNS (the least disturbed by other work). */
export function measureReference(): number {
  referenceWorkload(); // warm-up: JIT
  const times: number[] = [];
  for (let run = 0; run < REFERENCE_RUNS; run++) {
    const started = process.hrtime.bigint();
    referenceWorkload();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  referenceMs = Math.min(...times);
  return referenceMs;
}

/** Measures the reference and prints it with the machine: call first in every bench. */
export function printReference(): void {
  const ms = measureReference();
  console.log(
    `Reference workload: ${ms.toFixed(1)} ms (best of ${REFERENCE_RUNS}); Node ${process.version}, ` +
      `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${new Date().toISOString()}`,
  );
  console.log('Figures marked "ref" are multiples of that time: they compare across machines.');
}

/** A time as a multiple of the reference workload's, e.g. "12.3 ref"; "" before it was measured. */
export function inReference(ms: number): string {
  if (referenceMs === undefined) return '';
  const ratio = ms / referenceMs;
  return `${ratio < 10 ? ratio.toFixed(2) : ratio.toFixed(1)} ref`;
}
