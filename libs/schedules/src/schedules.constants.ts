/** The queue whose job schedulers fire at every peak-shaving and tariff window edge. */
export const SCHEDULE_EDGES_QUEUE = 'schedule-edges';

/** Emitted when a window of a site opens or closes: its plan must be recomputed. */
export const SCHEDULE_WINDOW_EDGE = 'schedules.window-edge';

export class ScheduleWindowEdgeEvent {
  constructor(readonly siteId: string) {}
}

/** Job data of a window-edge tick; the scheduler id says which window and which edge. */
export interface WindowEdgeJob {
  siteId: string;
}
