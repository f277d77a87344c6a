/** A planning run that took longer than `PLANNING_RUN_DEADLINE_MS`; it stopped before saving anything. */
export class PlanningDeadlineExceededError extends Error {
  constructor(
    readonly scope: string,
    readonly stage: string,
    readonly elapsedMs: number,
    readonly deadlineMs: number,
  ) {
    super(
      `Planning ${scope} overran its deadline of ${deadlineMs} ms (${Math.round(elapsedMs)} ms after "${stage}"): ` +
        'skipped, its previous plan stays in force',
    );
    this.name = PlanningDeadlineExceededError.name;
  }
}

/**
 * The deadline of one planning run. Between its stages the run calls `checkpoint`, which first lets the event
 * loop serve what waits (HTTP, OCPP), then stops the run once it has overrun: a run too expensive for its
 * inputs must neither starve the server nor hold the scope's lock for ever.
 */
export class RunDeadline {
  private readonly startedAt: number;

  constructor(
    private scope: string,
    private readonly deadlineMs: number,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.startedAt = clock();
  }

  /** Names the run in the warning once more is known of it (e.g. the sites of a group). */
  describe(scope: string): void {
    this.scope = scope;
  }

  /** @throws PlanningDeadlineExceededError once the deadline has passed */
  async checkpoint(stage: string): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const elapsedMs = this.clock() - this.startedAt;
    if (elapsedMs > this.deadlineMs) {
      throw new PlanningDeadlineExceededError(this.scope, stage, elapsedMs, this.deadlineMs);
    }
  }
}
