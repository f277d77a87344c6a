import { wattsPerAmpere, type LinePair } from '@gridflex/optimizer';

/** What a profile tells the charger of a connector's connection. */
export interface ProfileConnection {
  /** `numberPhases`: the phases the EV is offered. */
  phases: 1 | 2 | 3;
  /** The volts of each of them, to state a limit in W: phases × volts = `wattsPerAmpere`. */
  profileVoltageV: number;
}

/**
 * A connector loaded phase to neutral offers its EV its phases at V_pn; one wired line to line offers a
 * single phase at V_ll (the EV sees one AC supply between two pins), so `numberPhases` 1 — 2.0.1's
 * `phaseToUse` is only for stations that switch phases and is never sent. Either way a limit in W is the
 * limit in A times `wattsPerAmpere`, the optimizer's one rule.
 */
export function profileConnection(
  connector: { phases: number; lineToLine: LinePair | null },
  site: { nominalVoltageV: number; lineToLineVoltageV: number | null },
): ProfileConnection {
  const voltages = {
    phaseToNeutralV: site.nominalVoltageV,
    ...(site.lineToLineVoltageV !== null && { lineToLineV: site.lineToLineVoltageV }),
  };
  if (connector.lineToLine) {
    return {
      phases: 1,
      profileVoltageV: wattsPerAmpere({ phases: 2, lineToLine: connector.lineToLine }, voltages),
    };
  }
  const phases = connector.phases === 1 || connector.phases === 2 ? connector.phases : 3;
  return { phases, profileVoltageV: wattsPerAmpere({ phases }, voltages) / phases };
}
