import { PlanningDeadlineExceededError, RunDeadline } from './run-deadline';

describe(RunDeadline.name, () => {
  let nowMs: number;
  const clock = () => nowMs;

  beforeEach(() => {
    nowMs = 1_000;
  });

  it('lets a run go on while it is within its deadline, up to the deadline itself', async () => {
    const deadline = new RunDeadline('group:g1', 500, clock);
    nowMs += 200;
    await expect(deadline.checkpoint('capacity')).resolves.toBeUndefined();
    nowMs += 300;
    await expect(deadline.checkpoint('allocations')).resolves.toBeUndefined();
  });

  it('stops a run that overran, naming its scope and the stage, so that the stages after it never run', async () => {
    const deadline = new RunDeadline('group:g1', 500, clock);
    deadline.describe('group:g1 (sites s1, s2)');
    const stagesRun: string[] = [];
    const run = async () => {
      nowMs += 100;
      await deadline.checkpoint('capacity');
      stagesRun.push('capacity');
      nowMs += 450;
      await deadline.checkpoint('allocations');
      stagesRun.push('save');
    };

    const error = await run().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PlanningDeadlineExceededError);
    expect(error).toMatchObject({ scope: 'group:g1 (sites s1, s2)', stage: 'allocations', elapsedMs: 550 });
    expect((error as Error).message).toBe(
      'Planning group:g1 (sites s1, s2) overran its deadline of 500 ms (550 ms after "allocations"): ' +
        'skipped, its previous plan stays in force',
    );
    expect(stagesRun).toEqual(['capacity']);
  });

  it('yields to the event loop at each checkpoint, so that waiting work (I/O, timers) runs meanwhile', async () => {
    const deadline = new RunDeadline('site:s1', 500, clock);
    let waiting = false;
    setImmediate(() => (waiting = true));
    await deadline.checkpoint('capacity');
    expect(waiting).toBe(true);
  });
});
