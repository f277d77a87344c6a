/** Emitted after an EV told its needs (`EvWishesService`): its scope is planned and its schedule sent. */
export const EV_WISH_TOLD = 'planning.ev-wish-told';

export class EvWishToldEvent {
  constructor(
    readonly siteId: string,
    readonly chargerId: string,
  ) {}
}

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

/** Emitted when a capacity node's limit becomes impossible to keep (an episode starts), for metrics. */
export const LIMIT_INFEASIBILITY_STARTED = 'planning.limit-infeasibility-started';

export class LimitInfeasibilityStartedEvent {
  constructor(
    /** The node's kind: `group`, `site` or `circuit`. */
    readonly kind: string,
  ) {}
}
