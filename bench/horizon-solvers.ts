/**
 * The horizon LP of one input solved stage by stage with our bounded simplex and with HiGHS (wasm,
 * persistent model), side by side in one run: per stage the solver time, the time so far (LP built
 * and handed over included), the optimum and the relative difference of the two optima. Each solver
 * goes through the same lexicographic stages its own natural way: ours fixes the nonbasic columns
 * with a non-zero reduced cost (`keepOptimal`); HiGHS gets a row holding the stage's optimum (plus
 * HOLD_SLACK relative) and keeps its basis for the next stage (warm start).
 */
import highsLoader, { type Highs, type Model } from 'highs';
import {
  BoundedSimplex,
  horizonStageLp,
  type HorizonInput,
  type HorizonStage,
  type HorizonStageLp,
} from '@gridflex/optimizer';
import { inReference } from './bench-support';

/** What HiGHS may give up of a stage's optimum when it holds it: about its feasibility tolerance. */
const HOLD_SLACK = 1e-9;
/** The issue's bar on the energy stage. */
const ENERGY_TOLERANCE = 1e-6;

interface StageFigures {
  name: HorizonStage;
  solverMs: number;
  /** Since the LP was being built: the time a plan would wait for this stage. */
  totalMs: number;
  optimum: number;
}

interface SolverRun {
  solver: string;
  columns: number;
  rows: number;
  buildMs: number;
  stages: StageFigures[];
}

function elapsedMs(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

/** Ours as `solveHorizonLp` runs it: crash and warm start (counted in the energy stage), then the stages. */
function solveWithOurs(input: HorizonInput): SolverRun {
  const started = process.hrtime.bigint();
  const lp = horizonStageLp(input);
  const simplex = new BoundedSimplex(lp.rhs, lp.columns);
  const buildMs = elapsedMs(started);
  const stages: StageFigures[] = [];
  lp.stages.forEach(({ name, costs }, k) => {
    const solving = process.hrtime.bigint();
    if (k === 0) {
      simplex.crash(lp.warmStart);
      simplex.minimize(lp.warmStart);
    }
    const optimum = simplex.minimize(costs);
    simplex.keepOptimal();
    stages.push({ name, solverMs: elapsedMs(solving), totalMs: elapsedMs(started), optimum });
  });
  return { solver: 'ours', columns: lp.columns.length, rows: lp.rhs.length, buildMs, stages };
}

/** The LP as HiGHS's column-wise model, minimising the first stage. */
function highsModel(highs: Highs, lp: HorizonStageLp): Model {
  const starts = new Int32Array(lp.columns.length + 1);
  lp.columns.forEach((col, j) => (starts[j + 1] = starts[j] + col.rows.length));
  const indices = new Int32Array(starts[lp.columns.length]);
  const values = new Float64Array(indices.length);
  lp.columns.forEach((col, j) => {
    indices.set(col.rows, starts[j]);
    values.set(col.values, starts[j]);
  });
  const model = highs.createModel();
  model.options.set({ output_flag: false });
  model.passModel({
    numCols: lp.columns.length,
    numRows: lp.rhs.length,
    colCost: lp.stages[0].costs,
    colLower: new Float64Array(lp.columns.length),
    colUpper: Float64Array.from(lp.columns, (col) => col.upper),
    rowLower: new Float64Array(lp.rhs.length).fill(-highs.infinity),
    rowUpper: Float64Array.from(lp.rhs),
    matrix: {
      format: 'csc',
      numRows: lp.rhs.length,
      numCols: lp.columns.length,
      starts,
      indices,
      values,
    },
  });
  return model;
}

/** The row `costs · x ≤ optimum + slack`, so that later stages stay within this one's optimum. */
function holdOptimum(highs: Highs, model: Model, costs: Float64Array, optimum: number): void {
  const indices: number[] = [];
  const values: number[] = [];
  costs.forEach((c, j) => {
    if (c === 0) return;
    indices.push(j);
    values.push(c);
  });
  model.addRow(-highs.infinity, optimum + HOLD_SLACK * Math.max(1, Math.abs(optimum)), { indices, values });
}

function solveWithHighs(highs: Highs, input: HorizonInput): SolverRun {
  const started = process.hrtime.bigint();
  const lp = horizonStageLp(input);
  const model = highsModel(highs, lp);
  try {
    const buildMs = elapsedMs(started);
    const all = { kind: 'range', from: 0, to: lp.columns.length - 1 } as const;
    const stages: StageFigures[] = [];
    lp.stages.forEach(({ name, costs }, k) => {
      const solving = process.hrtime.bigint();
      if (k > 0) model.changeColsCost(all, costs);
      model.run();
      const status = model.getModelStatus();
      if (status !== highs.constants.modelStatus.optimal)
        throw new Error(`HiGHS, stage ${name}: status ${status}`);
      const optimum = model.getObjectiveValue();
      holdOptimum(highs, model, costs, optimum);
      stages.push({ name, solverMs: elapsedMs(solving), totalMs: elapsedMs(started), optimum });
    });
    return { solver: 'HiGHS', columns: lp.columns.length, rows: lp.rhs.length, buildMs, stages };
  } finally {
    model.dispose();
  }
}

function relativeDifference(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(b));
}

function ms(value: number): string {
  return `${value.toFixed(0)} (${inReference(value)})`;
}

/**
 * `BENCH_HORIZON_SOLVERS=highs` (or `ours`) runs one solver only, e.g. HiGHS alone on 10,000
 * connectors, where ours takes far longer. Throws when both ran and the energy optima differ by more
 * than ENERGY_TOLERANCE (relative).
 */
export async function printHorizonSolvers(input: HorizonInput, label: string): Promise<void> {
  const which = (process.env.BENCH_HORIZON_SOLVERS ?? 'ours,highs').split(',');
  const runs: SolverRun[] = [];
  if (which.includes('ours')) runs.push(solveWithOurs(input));
  if (which.includes('highs')) runs.push(solveWithHighs(await highsLoader(), input));
  const [first] = runs;
  console.log(
    `\nHorizon LP solvers side by side: ${label}; ${first.columns} columns, ${first.rows} rows; ` +
      'ms (and multiples of the reference)',
  );
  console.log(
    `| stage | ${runs.map((r) => `${r.solver} solver ms | ${r.solver} total ms | ${r.solver} optimum`).join(' | ')} |${runs.length === 2 ? ' relative difference |' : ''}`,
  );
  console.log(`| --- |${' ---: | ---: | ---: |'.repeat(runs.length)}${runs.length === 2 ? ' ---: |' : ''}`);
  console.log(
    `| LP built | ${runs.map((r) => `— | ${ms(r.buildMs)} | —`).join(' | ')} |${runs.length === 2 ? ' — |' : ''}`,
  );
  first.stages.forEach(({ name }, k) => {
    const cells = runs.map((r) => {
      const stage = r.stages[k];
      return `${ms(stage.solverMs)} | ${ms(stage.totalMs)} | ${stage.optimum.toPrecision(10)}`;
    });
    const difference =
      runs.length === 2
        ? ` ${relativeDifference(runs[0].stages[k].optimum, runs[1].stages[k].optimum).toExponential(1)} |`
        : '';
    console.log(`| ${name} | ${cells.join(' | ')} |${difference}`);
  });
  if (runs.length === 2) {
    const energy = relativeDifference(runs[0].stages[0].optimum, runs[1].stages[0].optimum);
    if (energy > ENERGY_TOLERANCE) throw new Error(`Energy optima differ by ${energy} (relative)`);
  }
}
