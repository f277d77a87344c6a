import type { CompositeResult } from '@gridflex/ocpp';
import { DispatchStatus } from './dispatch.constants';

/** Emitted after every push attempt (not for jobs that only waited), for metrics. */
export const DISPATCH_PUSH_FINISHED = 'dispatch.push-finished';

export type PushOutcome = DispatchStatus | 'superseded' | 'already-delivered' | 'no-plan' | 'forwarded';

export class DispatchPushFinishedEvent {
  constructor(
    readonly outcome: PushOutcome,
    readonly durationMs: number,
    /** 1 for the first try, more for a retry. */
    readonly attempt: number,
  ) {}
}

/** Emitted after a charger's composite schedule was read back and compared with what we sent. */
export const DISPATCH_VERIFIED = 'dispatch.verified';

export class DispatchVerifiedEvent {
  constructor(readonly verdict: CompositeResult) {}
}
