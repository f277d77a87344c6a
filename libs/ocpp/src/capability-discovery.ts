import {
  capabilitiesFromConfiguration16,
  capabilitiesFromVariables201,
  ChargerCapabilities,
  CONFIGURATION_KEYS_16,
  DISCOVERY_VARIABLES_201,
  GetConfigurationResponse16,
  GetVariablesResponse201,
  unreportedCapabilities,
} from './capabilities';
import type { OcppProtocol } from './charger-session';
import { OcppCallError } from './errors';

export type OcppCall = <T>(action: string, payload: object) => Promise<T>;

/**
 * Asks a charger what smart charging it supports (1.6 GetConfiguration, 2.0.1 GetVariables). A charger that
 * refuses the question (CALLERROR) has reported nothing, so that the safe defaults apply.
 */
export async function discoverCapabilities(
  call: OcppCall,
  protocol: OcppProtocol,
): Promise<ChargerCapabilities> {
  try {
    if (protocol === 'ocpp2.0.1') {
      const answer = await call<GetVariablesResponse201>('GetVariables', {
        getVariableData: DISCOVERY_VARIABLES_201,
      });
      return capabilitiesFromVariables201(answer, new Date());
    }
    const answer = await call<GetConfigurationResponse16>('GetConfiguration', { key: CONFIGURATION_KEYS_16 });
    return capabilitiesFromConfiguration16(answer, new Date());
  } catch (error) {
    if (error instanceof OcppCallError) return unreportedCapabilities(new Date());
    throw error;
  }
}
