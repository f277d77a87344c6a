import type { Highs } from 'highs';
import type { LpColumn } from '../bounded-simplex.js';

/** `A x ≤ rhs, 0 ≤ x ≤ upper` with the objectives to minimise one after the other. */
export interface LexicographicLp {
  rhs: readonly number[];
  columns: readonly LpColumn[];
  objectives: readonly { name: string; costs: Float64Array }[];
}

/**
 * HiGHS through the objectives in order, each optimum held by a row in the later ones, within
 * `holdSlack` of it (relative, at least 1 absolute; 0 holds it exactly).
 */
export function highsLexicographic(highs: Highs, lp: LexicographicLp, holdSlack: number): number[] {
  const model = highs.createModel();
  try {
    model.options.set({ output_flag: false });
    const n = lp.columns.length;
    model.addVars(
      new Float64Array(n),
      Float64Array.from(lp.columns, (col) => col.upper),
    );
    lp.rhs.forEach((rhs, r) => {
      const indices: number[] = [];
      const values: number[] = [];
      lp.columns.forEach((col, j) => {
        const k = col.rows.indexOf(r);
        if (k < 0) return;
        indices.push(j);
        values.push(col.values[k]);
      });
      model.addRow(-highs.infinity, rhs, { indices, values });
    });
    return lp.objectives.map(({ name, costs }) => {
      model.changeColsCost({ kind: 'range', from: 0, to: n - 1 }, costs);
      model.run();
      if (model.getModelStatus() !== highs.constants.modelStatus.optimal) throw new Error(`HiGHS: ${name}`);
      const optimum = model.getObjectiveValue();
      const held = [...costs.keys()].filter((j) => costs[j] !== 0);
      model.addRow(-highs.infinity, optimum + holdSlack * Math.max(1, Math.abs(optimum)), {
        indices: held,
        values: held.map((j) => costs[j]),
      });
      return optimum;
    });
  } finally {
    model.dispose();
  }
}
