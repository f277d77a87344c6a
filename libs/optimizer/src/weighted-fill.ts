import type { ConstraintSystem } from './constraint-system.js';
import { MinHeap } from './min-heap.js';

/** binding[i] when the connector stopped at its own cap. */
export const AT_CAP = -1;
/** binding[i] when the connector took no part (cap 0). */
export const NOT_FILLED = -2;

const RISING = 0;
const AT_FLOOR = 1;
const FROZEN = 2;

/** The per-block data of one weighted fill. Connectors with cap 0 take no part. */
export interface FillRequest {
  /** Per constraint; Infinity never binds. */
  limitsA: Float64Array;
  /** Per connector, > 0. */
  weights: Float64Array;
  /** Per connector: the current it gets at least (its admitted minimum, or 0). */
  floorsA: Float64Array;
  /** Per connector: the current it gets at most; 0 leaves it out. */
  capsA: Float64Array;
  /**
   * Connectors sorted by capsA / weights, and by floorsA / weights. Connectors with cap 0 or a floor at
   * their cap may be anywhere in them: they are fixed from the start.
   */
  capOrder: Int32Array;
  floorOrder: Int32Array;
}

/**
 * Exact weighted max-min fair currents with floors (water-filling): a common level λ rises and every
 * connector gets max(floor, weight · λ) until it reaches its cap or a constraint it loads becomes full
 * (Σ coefficient · current = limit; the coefficients are positive, so the set stays closed under lowering
 * a current and water-filling stays exact),
 * which freezes all the constraint's members at their current value. The events come from three sorted
 * sources — caps and floors (pre-sorted) and constraint saturation levels (a heap) — so a fill costs
 * O((n + nnz) log m). A freeze only raises the saturation level of the other constraints of the frozen
 * connector, so their heap keys are left as lower bounds and refreshed when they surface; floors
 * joining the rise lower it, so the constraints they touch are pushed again, once per batch of joins.
 */
export class WeightedFiller {
  /** Results of the last fill, per connector. */
  readonly currentsA: Float64Array;
  /** The constraint that froze each connector, or AT_CAP, or NOT_FILLED. */
  readonly binding: Int32Array;
  private readonly state: Uint8Array;
  private readonly frozenSum: Float64Array;
  private readonly risingWeight: Float64Array;
  private readonly risingCount: Int32Array;
  private readonly done: Uint8Array;
  private readonly heap = new MinHeap();
  /** Scratch list of the constraints a batch of joins touched, and their marks. */
  private readonly touched: Int32Array;
  private readonly touchedMark: Uint8Array;
  private request!: FillRequest;

  constructor(private readonly system: ConstraintSystem) {
    this.currentsA = new Float64Array(system.connectorCount);
    this.binding = new Int32Array(system.connectorCount);
    this.state = new Uint8Array(system.connectorCount);
    this.frozenSum = new Float64Array(system.constraintCount);
    this.risingWeight = new Float64Array(system.constraintCount);
    this.risingCount = new Int32Array(system.constraintCount);
    this.done = new Uint8Array(system.constraintCount);
    this.touched = new Int32Array(system.constraintCount);
    this.touchedMark = new Uint8Array(system.constraintCount);
  }

  fill(request: FillRequest): void {
    this.request = request;
    this.start(request);
    const { capsA, floorsA, weights, capOrder, floorOrder } = request;
    let level = 0;
    let nextCap = 0;
    let nextFloor = 0;
    for (;;) {
      while (nextCap < capOrder.length && this.state[capOrder[nextCap]] === FROZEN) nextCap++;
      while (nextFloor < floorOrder.length && this.state[floorOrder[nextFloor]] !== AT_FLOOR) nextFloor++;
      const capIndex = nextCap < capOrder.length ? capOrder[nextCap] : -1;
      const floorIndex = nextFloor < floorOrder.length ? floorOrder[nextFloor] : -1;
      const capLevel = capIndex < 0 ? Infinity : capsA[capIndex] / weights[capIndex];
      const floorLevel = floorIndex < 0 ? Infinity : floorsA[floorIndex] / weights[floorIndex];
      const tightLevel = this.nextSaturationLevel(request.limitsA);
      const eventLevel = Math.min(capLevel, floorLevel, tightLevel);
      if (eventLevel === Infinity) return;
      level = Math.max(level, eventLevel);

      if (capLevel === eventLevel) {
        this.freeze(capIndex, capsA[capIndex], AT_CAP);
      } else if (floorLevel === eventLevel) {
        nextFloor = this.joinAllAt(floorLevel, nextFloor);
      } else {
        this.saturate(this.heap.topId(), level);
      }
    }
  }

  private start({ limitsA, weights, floorsA, capsA }: FillRequest): void {
    const { system, frozenSum, risingWeight, risingCount, done, binding, state, currentsA } = this;
    // Locals: these loops run over every connector and constraint of every block.
    const { constraintStart, constraintsOf, coefficientsOf, unitCoefficients } = system;
    frozenSum.fill(0);
    risingWeight.fill(0);
    risingCount.fill(0);
    for (let c = 0; c < system.constraintCount; c++) done[c] = limitsA[c] === Infinity ? 1 : 0;

    for (let i = 0; i < system.connectorCount; i++) {
      binding[i] = NOT_FILLED;
      const cap = capsA[i];
      const floor = Math.min(floorsA[i], cap);
      if (cap <= 0) {
        state[i] = FROZEN;
        currentsA[i] = 0;
        continue;
      }
      currentsA[i] = floor;
      // A floor at the cap is a fixed current: it never rises, so it takes no part in the events.
      if (floor >= cap) binding[i] = AT_CAP;
      state[i] = floor >= cap ? FROZEN : floor > 0 ? AT_FLOOR : RISING;
      const from = constraintStart[i];
      const to = constraintStart[i + 1];
      if (floor > 0) {
        for (let k = from; k < to; k++)
          frozenSum[constraintsOf[k]] += unitCoefficients ? floor : coefficientsOf[k] * floor;
        continue;
      }
      const weight = weights[i];
      for (let k = from; k < to; k++) {
        const c = constraintsOf[k];
        risingWeight[c] += unitCoefficients ? weight : coefficientsOf[k] * weight;
        risingCount[c]++;
      }
    }
    this.heap.clear();
    for (let c = 0; c < system.constraintCount; c++) {
      if (!this.done[c] && this.risingCount[c] > 0) this.heap.push(this.saturationLevel(c, limitsA), c);
    }
  }

  /** After a fill: the current the filled connectors draw through constraint c (summed over phases on a total). */
  loadOf(c: number): number {
    return this.frozenSum[c];
  }

  /** The level at which the constraint's rising members would fill it. */
  private saturationLevel(c: number, limitsA: Float64Array): number {
    if (this.risingCount[c] === 0) return Infinity;
    return (limitsA[c] - this.frozenSum[c]) / this.risingWeight[c];
  }

  /** Pops settled and stale entries until the top is a live constraint with an exact key. */
  private nextSaturationLevel(limitsA: Float64Array): number {
    const { heap } = this;
    while (heap.size > 0) {
      const c = heap.topId();
      if (this.done[c]) {
        heap.pop();
        continue;
      }
      const actual = this.saturationLevel(c, limitsA);
      if (actual <= heap.topKey()) return actual;
      heap.pop();
      if (actual !== Infinity) heap.push(actual, c);
    }
    return Infinity;
  }

  private freeze(i: number, currentA: number, binding: number): void {
    const { frozenSum, risingWeight, risingCount, state } = this;
    const { constraintStart, constraintsOf, coefficientsOf, unitCoefficients } = this.system;
    const wasRising = state[i] === RISING;
    state[i] = FROZEN;
    this.binding[i] = binding;
    if (!wasRising) return;
    this.currentsA[i] = currentA;
    const weight = this.request.weights[i];
    for (let k = constraintStart[i]; k < constraintStart[i + 1]; k++) {
      const c = constraintsOf[k];
      const a = unitCoefficients ? 1 : coefficientsOf[k];
      frozenSum[c] += a * currentA;
      risingWeight[c] -= a * weight;
      risingCount[c]--;
    }
  }

  /**
   * Every connector whose floor the level reaches now starts rising. Equal minimums make these
   * batches large, so each touched constraint is pushed once per batch, not once per connector.
   */
  private joinAllAt(level: number, from: number): number {
    const { request, touched, touchedMark, frozenSum, risingWeight, risingCount, state } = this;
    const { constraintStart, constraintsOf, coefficientsOf, unitCoefficients } = this.system;
    const { floorOrder, floorsA, weights } = request;
    let touchedCount = 0;
    let next = from;
    for (; next < floorOrder.length; next++) {
      const i = floorOrder[next];
      if (state[i] !== AT_FLOOR) continue;
      if (floorsA[i] / weights[i] !== level) break;
      state[i] = RISING;
      for (let k = constraintStart[i]; k < constraintStart[i + 1]; k++) {
        const c = constraintsOf[k];
        const a = unitCoefficients ? 1 : coefficientsOf[k];
        frozenSum[c] -= a * floorsA[i];
        risingWeight[c] += a * weights[i];
        risingCount[c]++;
        if (touchedMark[c] === 0) {
          touchedMark[c] = 1;
          touched[touchedCount++] = c;
        }
      }
    }
    for (let t = 0; t < touchedCount; t++) {
      const c = touched[t];
      this.touchedMark[c] = 0;
      if (!this.done[c]) this.heap.push(this.saturationLevel(c, request.limitsA), c);
    }
    return next;
  }

  private saturate(c: number, level: number): void {
    const { memberStart, members } = this.system;
    const { weights, capsA } = this.request;
    const { state } = this;
    this.heap.pop();
    this.done[c] = 1;
    for (let k = memberStart[c]; k < memberStart[c + 1]; k++) {
      const i = members[k];
      if (state[i] !== FROZEN) this.freeze(i, Math.min(weights[i] * level, capsA[i]), c);
    }
  }
}
