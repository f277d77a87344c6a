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
/** The bar on the energy stage. */
const ENERGY_TOLERANCE = 1e-6;

interface StageFigures {
  name: HorizonStage;
  solverMs: number;
  /** Since the LP was being built: the time a plan would wait for this stage. */
  totalMs: number;
  optimum: number;
  /** Ours: the simplex pivots of the stage (the same on every machine). */
  pivots?: number;
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

/** The stages `laterStagePivotBudget` cuts short; energy, soft limits and the fair level stay exact. */
const BUDGETED_STAGES: readonly HorizonStage[] = ['preference', 'yielding', 'earliest'];

/**
 * Ours as `solveHorizonLp` runs it: crash and warm start (counted in the energy stage), then the
 * stages; with a `budget` (`laterStagePivotBudget`), the crash only, and the budgeted stages stopped
 * after that many pivots (their "optimum" is then the value reached).
 */
function solveWithOurs(input: HorizonInput, budget = Infinity): SolverRun {
  const started = process.hrtime.bigint();
  const lp = horizonStageLp(input);
  const simplex = new BoundedSimplex(lp.rhs, lp.columns);
  const buildMs = elapsedMs(started);
  const stages: StageFigures[] = [];
  lp.stages.forEach(({ name, costs }, k) => {
    const solving = process.hrtime.bigint();
    const pivotsBefore = simplex.pivots;
    if (k === 0) simplex.crash(lp.warmStart);
    if (k === 0 && budget === Infinity) simplex.minimize(lp.warmStart);
    const optimum = simplex.minimize(costs, BUDGETED_STAGES.includes(name) ? budget : Infinity);
    simplex.keepOptimal();
    const pivots = simplex.pivots - pivotsBefore;
    stages.push({ name, solverMs: elapsedMs(solving), totalMs: elapsedMs(started), optimum, pivots });
  });
  const solver = budget === Infinity ? 'ours' : `ours, budget ${budget}`;
  return { solver, columns: lp.columns.length, rows: lp.rhs.length, buildMs, stages };
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
  model.options.set({ output_flag: false, presolve: 'off' });
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

/** Seconds HiGHS may take per stage (BENCH_HIGHS_STAGE_LIMIT_S): the stages after one it gives up on are not run. */
const HIGHS_STAGE_LIMIT_S = Number(process.env.BENCH_HIGHS_STAGE_LIMIT_S ?? 120);

/**
 * HiGHS at its fastest here (tried on this LP: default options, primal simplex, cold stages): no
 * presolve (3.0 s → 0.3–0.6 s on the energy stage of 1,000 connectors, and the later stages start from
 * the basis anyway), dual simplex from the previous stage's basis, but the interior-point method with
 * crossover on the fair level, where the simplex stalls (over 130 s, 9.5 s by IPM).
 */
function highsSolverFor(stage: HorizonStage): 'ipm' | 'choose' {
  return stage === 'fair level' ? 'ipm' : 'choose';
}

function solveWithHighs(highs: Highs, input: HorizonInput): SolverRun {
  const started = process.hrtime.bigint();
  const lp = horizonStageLp(input);
  const model = highsModel(highs, lp);
  try {
    const buildMs = elapsedMs(started);
    const all = { kind: 'range', from: 0, to: lp.columns.length - 1 } as const;
    const stages: StageFigures[] = [];
    for (const [k, { name, costs }] of lp.stages.entries()) {
      const solving = process.hrtime.bigint();
      if (k > 0) model.changeColsCost(all, costs);
      model.options.set({ solver: highsSolverFor(name), time_limit: HIGHS_STAGE_LIMIT_S });
      model.zeroAllClocks();
      model.run();
      const status = model.getModelStatus();
      const optimal = status === highs.constants.modelStatus.optimal;
      const optimum = optimal ? model.getObjectiveValue() : NaN;
      stages.push({ name, solverMs: elapsedMs(solving), totalMs: elapsedMs(started), optimum });
      if (!optimal) {
        console.log(`HiGHS, stage ${name}: model status ${status} (time limit ${HIGHS_STAGE_LIMIT_S} s?)`);
        break;
      }
      holdOptimum(highs, model, costs, optimum);
    }
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

function stageCells(stage: StageFigures | undefined, withPivots: boolean): string {
  const pivots = withPivots ? ` | ${stage?.pivots ?? '—'}` : '';
  if (!stage) return `— | — | not run${pivots}`;
  return `${ms(stage.solverMs)} | ${ms(stage.totalMs)} | ${stage.optimum.toPrecision(10)}${pivots}`;
}

/** Whether the run counts pivots (ours), which then get a column. */
function countsPivots(run: SolverRun): boolean {
  return run.stages.some((stage) => stage.pivots !== undefined);
}

/** Each of ours against HiGHS (relative difference of the optima) in the last columns when HiGHS ran. */
function printTable(runs: readonly SolverRun[], label: string): void {
  const highs = runs.find((r) => r.solver === 'HiGHS');
  const compared = highs ? runs.filter((r) => r !== highs) : [];
  const longest = runs.reduce((a, b) => (b.stages.length > a.stages.length ? b : a));
  console.log(
    `\nHorizon LP solvers side by side: ${label}; ${longest.columns} columns, ${longest.rows} rows; ` +
      'times in ms and in multiples of the reference ("ref")',
  );
  const heads = runs.map(
    (r) =>
      `${r.solver} solver ms | ${r.solver} total ms | ${r.solver} optimum` +
      (countsPivots(r) ? ` | ${r.solver} pivots` : ''),
  );
  const differenceHeads = compared.map((r) => ` ${r.solver} vs HiGHS |`).join('');
  const columnCount = runs.reduce((sum, r) => sum + (countsPivots(r) ? 4 : 3), 0) + compared.length;
  console.log(`| stage | ${heads.join(' | ')} |${differenceHeads}`);
  console.log(`| --- |${' ---: |'.repeat(columnCount)}`);
  const built = runs.map((r) => `— | ${ms(r.buildMs)} | —${countsPivots(r) ? ' | —' : ''}`);
  console.log(`| LP built | ${built.join(' | ')} |${' — |'.repeat(compared.length)}`);
  longest.stages.forEach(({ name }, k) => {
    const cells = runs.map((r) => stageCells(r.stages[k], countsPivots(r)));
    const differences = compared.map((r) => {
      const [a, b] = [r.stages[k], highs?.stages[k]];
      return ` ${a && b ? relativeDifference(a.optimum, b.optimum).toExponential(1) : '—'} |`;
    });
    console.log(`| ${name} | ${cells.join(' | ')} |${differences.join('')}`);
  });
}

/**
 * `BENCH_HORIZON_SOLVERS` (default `ours,budget,highs`) chooses the runs: ours exact, ours with
 * `laterStagePivotBudget` = BENCH_PIVOT_BUDGET (default 0), HiGHS; e.g. `budget` alone on 10,000
 * connectors, where the exact chains take far longer. Throws when two runs' energy optima differ by
 * more than ENERGY_TOLERANCE (relative).
 */
export async function printHorizonSolvers(input: HorizonInput, label: string): Promise<void> {
  const which = (process.env.BENCH_HORIZON_SOLVERS ?? 'ours,budget,highs').split(',');
  const budget = Number(process.env.BENCH_PIVOT_BUDGET ?? 0);
  const runs: SolverRun[] = [];
  if (which.includes('ours')) runs.push(solveWithOurs(input));
  if (which.includes('budget')) runs.push(solveWithOurs(input, budget));
  if (which.includes('highs')) runs.push(solveWithHighs(await highsLoader(), input));
  if (runs.length === 0) throw new Error('BENCH_HORIZON_SOLVERS names none of ours, budget, highs');
  printTable(runs, label);
  for (const run of runs.slice(1)) {
    const energy = relativeDifference(run.stages[0].optimum, runs[0].stages[0].optimum);
    if (!(energy <= ENERGY_TOLERANCE)) throw new Error(`Energy optima differ by ${energy} (relative)`);
  }
}
