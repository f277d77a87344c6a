import { NO_LIMIT, PerPhase, SafetyDsoPeer } from './safety-world';

/** An OSCP ForecastedBlock as the DSO sent it. */
export interface SentBlock {
  capacity: number;
  phase: string;
  unit: string;
  start_time: string;
  end_time: string;
}

/** Limits on one node: A per phase, W per phase, and W summed over the phases. */
export interface NodeLimit {
  amps: PerPhase;
  wattsPerPhase: PerPhase;
  wattsTotal: number;
}

export const UNLIMITED: NodeLimit = {
  amps: [...NO_LIMIT],
  wattsPerPhase: [...NO_LIMIT],
  wattsTotal: Infinity,
};

interface StoredBlock {
  startMs: number;
  endMs: number;
  capacity: number;
  unit: string;
}

/** One limit a block sets, for the phases it covers. */
interface Constraint {
  phases: PerPhase;
  kind: 'amps' | 'wattsPerPhase' | 'wattsTotal';
  value: number;
}

const PHASE_INDEX: Record<string, number | undefined> = { ONE: 0, TWO: 1, THREE: 2 };

/**
 * What a DSO's forecasts put in force, computed from the messages as sent (reference oscp.md §3.4): per
 * (group, type, phase) a new message replaces, over the span [min(start), max(end)) of its blocks, what was
 * stored; older blocks are trimmed to their parts outside it and stay valid there. Overlapping blocks of one
 * message: the minimum. Per grid phase, a time no CONSUMPTION block covers takes the FALLBACK_CONSUMPTION in
 * force, else the peer's safe default — also while ONLINE; while OFFLINE only the fallback or safe default apply.
 */
export class DsoLimits {
  private readonly store = new Map<string, StoredBlock[]>();
  private readonly lastMessageMs = new Map<string, number>();
  /** Per group, every block boundary, sorted; dropped when a message arrives. */
  private readonly boundaries = new Map<string, number[]>();

  constructor(private readonly peer: SafetyDsoPeer) {}

  /** Stores a forecast message received (by the controller) at `atMs`. */
  receive(groupId: string, type: string, blocks: SentBlock[], atMs: number): void {
    const parsed = blocks.map((b) => ({
      phase: b.phase,
      block: {
        startMs: Date.parse(b.start_time),
        endMs: Date.parse(b.end_time),
        capacity: b.capacity,
        unit: b.unit,
      },
    }));
    const valid = parsed.filter(({ block }) => block.startMs < block.endMs);
    if (valid.length === 0) return;
    const spanStart = Math.min(...valid.map(({ block }) => block.startMs));
    const spanEnd = Math.max(...valid.map(({ block }) => block.endMs));
    for (const phase of new Set(valid.map((v) => v.phase))) {
      const key = storeKey(groupId, type, phase);
      const kept = (this.store.get(key) ?? []).flatMap((b) => trimmed(b, spanStart, spanEnd));
      this.store.set(key, [...kept, ...valid.filter((v) => v.phase === phase).map((v) => v.block)]);
    }
    this.lastMessageMs.set(groupId, atMs);
    this.boundaries.delete(groupId);
  }

  /** Whether the DSO has sent anything for the group: before that, it does not constrain it. */
  knows(groupId: string): boolean {
    return this.lastMessageMs.has(groupId);
  }

  /** When the group's last forecast arrived: the latest a lowering it announced became known. */
  lastMessageAt(groupId: string): number {
    return this.lastMessageMs.get(groupId) ?? -Infinity;
  }

  /** The limit in force on the group at `atMs`, ONLINE or OFFLINE. */
  limitAt(groupId: string, atMs: number, online: boolean): NodeLimit {
    const safe: NodeLimit = {
      amps: [this.peer.safeDefaultA, this.peer.safeDefaultA, this.peer.safeDefaultA],
      wattsPerPhase: [...NO_LIMIT],
      wattsTotal: Infinity,
    };
    const fallback = this.typeAt(groupId, 'FALLBACK_CONSUMPTION', atMs);
    const offlineLimit = fillGaps(fallback, safe);
    if (!online) return offlineLimit.limit;
    return fillGaps(this.typeAt(groupId, 'CONSUMPTION', atMs), offlineLimit.limit).limit;
  }

  /** Every instant after `atMs` at which a stored block of the group starts or ends; Infinity if none. */
  nextChangeAfter(groupId: string, atMs: number): number {
    const sorted = this.boundariesOf(groupId);
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (sorted[middle] <= atMs) low = middle + 1;
      else high = middle;
    }
    return sorted[low] ?? Infinity;
  }

  private boundariesOf(groupId: string): number[] {
    let sorted = this.boundaries.get(groupId);
    if (sorted) return sorted;
    const instants = new Set<number>();
    for (const [key, blocks] of this.store) {
      if (!key.startsWith(`${groupId}\u0000`)) continue;
      for (const b of blocks) instants.add(b.startMs).add(b.endMs);
    }
    sorted = [...instants].sort((a, b) => a - b);
    this.boundaries.set(groupId, sorted);
    return sorted;
  }

  private typeAt(groupId: string, type: string, atMs: number): Covered {
    const limit: NodeLimit = { amps: [...NO_LIMIT], wattsPerPhase: [...NO_LIMIT], wattsTotal: Infinity };
    const covered = [false, false, false];
    for (const phase of ['ALL', 'UNKNOWN', 'ONE', 'TWO', 'THREE']) {
      for (const block of this.store.get(storeKey(groupId, type, phase)) ?? []) {
        if (atMs < block.startMs || atMs >= block.endMs) continue;
        const constraint = this.constraintOf(phase, block);
        constraint.phases.forEach((on, p) => {
          if (!on) return;
          covered[p] = true;
          if (constraint.kind !== 'wattsTotal') {
            limit[constraint.kind][p] = Math.min(limit[constraint.kind][p], constraint.value);
          }
        });
        if (constraint.kind === 'wattsTotal') limit.wattsTotal = Math.min(limit.wattsTotal, constraint.value);
      }
    }
    return { limit, covered };
  }

  /**
   * A current applies to each phase it names (ALL: each, unless the peer reads ALL as a total: a third each;
   * UNKNOWN: the tighter total reading). A power on one phase limits that phase; on ALL it is a total unless
   * the peer reads ALL per phase; on UNKNOWN, a total. Energies are a budget spent evenly over the block.
   */
  private constraintOf(phase: string, block: StoredBlock): Constraint {
    const index = PHASE_INDEX[phase];
    const phases: PerPhase = index === undefined ? [1, 1, 1] : [0, 0, 0];
    if (index !== undefined) phases[index] = 1;
    const allAsTotal = phase === 'UNKNOWN' || (phase === 'ALL' && this.peer.phaseAll === 'TOTAL');
    const allPerPhase = phase === 'ALL' && this.peer.phaseAll === 'PER_PHASE';
    if (block.unit === 'A')
      return { phases, kind: 'amps', value: allAsTotal ? block.capacity / 3 : block.capacity };
    const watts = averageWatts(block);
    const total = index === undefined && !allPerPhase;
    if (total) return { phases, kind: 'wattsTotal', value: watts };
    return { phases, kind: 'wattsPerPhase', value: watts };
  }
}

interface Covered {
  limit: NodeLimit;
  covered: boolean[];
}

/** Per grid phase, where the source covers nothing, the `gap` limit applies instead. */
function fillGaps(source: Covered, gap: NodeLimit): Covered {
  const limit: NodeLimit = {
    amps: [0, 1, 2].map((p) => (source.covered[p] ? source.limit.amps[p] : gap.amps[p])) as PerPhase,
    wattsPerPhase: [0, 1, 2].map((p) =>
      source.covered[p] ? source.limit.wattsPerPhase[p] : gap.wattsPerPhase[p],
    ) as PerPhase,
    wattsTotal: source.covered.every(Boolean)
      ? source.limit.wattsTotal
      : Math.min(source.limit.wattsTotal, gap.wattsTotal),
  };
  return { limit, covered: [true, true, true] };
}

function averageWatts(block: StoredBlock): number {
  const hours = (block.endMs - block.startMs) / 3_600_000;
  switch (block.unit) {
    case 'W':
      return block.capacity;
    case 'KW':
      return block.capacity * 1000;
    case 'WH':
      return block.capacity / hours;
    case 'KWH':
      return (block.capacity * 1000) / hours;
    default:
      throw new Error(`The grid-safety checker cannot read a block in ${block.unit}`);
  }
}

function trimmed(block: StoredBlock, spanStart: number, spanEnd: number): StoredBlock[] {
  if (block.endMs <= spanStart || block.startMs >= spanEnd) return [block];
  const parts: StoredBlock[] = [];
  if (block.startMs < spanStart) parts.push({ ...block, endMs: spanStart });
  if (block.endMs > spanEnd) parts.push({ ...block, startMs: spanEnd });
  return parts;
}

function storeKey(groupId: string, type: string, phase: string): string {
  return `${groupId}\u0000${type}\u0000${phase}`;
}
