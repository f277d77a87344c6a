/** Emitted after each planning run of a scope, for metrics. */
export const PLANNING_COMPLETED = 'planning.completed';

export class PlanningCompletedEvent {
  constructor(
    /** `group:<id>` or `site:<id>`. */
    readonly scope: string,
    readonly durationMs: number,
    readonly connectors: number,
    readonly changed: number,
  ) {}
}
