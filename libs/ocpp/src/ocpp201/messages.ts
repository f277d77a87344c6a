/**
 * The OCPP 2.0.1 payloads this gateway reads or writes, as the 2.0.1 JSON schemas define them (fields we do
 * not use are left out). ocpp-rpc validates every frame against those schemas in strict mode.
 */

export interface BootNotificationRequest201 {
  reason: string;
  chargingStation: {
    model: string;
    vendorName: string;
    serialNumber?: string;
    firmwareVersion?: string;
  };
}

export interface BootNotificationResponse201 {
  currentTime: string;
  interval: number;
  status: 'Accepted' | 'Pending' | 'Rejected';
}

export type ConnectorStatus201 = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';

export interface StatusNotificationRequest201 {
  timestamp: string;
  connectorStatus: ConnectorStatus201;
  evseId: number;
  connectorId: number;
}

export interface UnitOfMeasure201 {
  unit?: string;
  multiplier?: number;
}

export interface SampledValue201 {
  value: number;
  context?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unitOfMeasure?: UnitOfMeasure201;
}

export interface MeterValue201 {
  timestamp: string;
  sampledValue: SampledValue201[];
}

export interface MeterValuesRequest201 {
  evseId: number;
  meterValue: MeterValue201[];
}

export type ChargingState201 = 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';

export interface TransactionEventRequest201 {
  eventType: 'Started' | 'Updated' | 'Ended';
  timestamp: string;
  triggerReason: string;
  seqNo: number;
  offline?: boolean;
  numberOfPhasesUsed?: number;
  cableMaxCurrent?: number;
  transactionInfo: {
    transactionId: string;
    chargingState?: ChargingState201;
    stoppedReason?: string;
    remoteStartId?: number;
  };
  evse?: { id: number; connectorId?: number };
  idToken?: IdToken201;
  meterValue?: MeterValue201[];
}

export interface IdToken201 {
  idToken: string;
  type: string;
}

export interface IdTokenInfo201 {
  status:
    | 'Accepted'
    | 'Blocked'
    | 'ConcurrentTx'
    | 'Expired'
    | 'Invalid'
    | 'NoCredit'
    | 'NotAllowedTypeEVSE'
    | 'NotAtThisLocation'
    | 'NotAtThisTime'
    | 'Unknown';
  cacheExpiryDateTime?: string;
  groupIdToken?: IdToken201;
}

export interface TransactionEventResponse201 {
  idTokenInfo?: IdTokenInfo201;
}

export interface AuthorizeRequest201 {
  idToken: IdToken201;
}

export interface AuthorizeResponse201 {
  idTokenInfo: IdTokenInfo201;
}

export interface StatusInfo201 {
  /** At most 20 characters. */
  reasonCode: string;
  additionalInfo?: string;
}

export interface NotifyEVChargingNeedsResponse201 {
  status: 'Accepted' | 'Rejected' | 'Processing';
  statusInfo?: StatusInfo201;
}

export interface NotifyEVChargingScheduleResponse201 {
  status: 'Accepted' | 'Rejected';
  statusInfo?: StatusInfo201;
}

export interface SignCertificateResponse201 {
  status: 'Accepted' | 'Rejected';
  statusInfo?: StatusInfo201;
}

export interface Get15118EVCertificateResponse201 {
  status: 'Accepted' | 'Failed';
  statusInfo?: StatusInfo201;
  exiResponse: string;
}

export interface GetCertificateStatusResponse201 {
  status: 'Accepted' | 'Failed';
  statusInfo?: StatusInfo201;
  ocspResult?: string;
}

export interface NotifyChargingLimitRequest201 {
  evseId?: number;
  chargingLimit: { chargingLimitSource: 'EMS' | 'Other' | 'SO' | 'CSO'; isGridCritical?: boolean };
  chargingSchedule?: {
    id: number;
    startSchedule?: string;
    duration?: number;
    chargingRateUnit: 'A' | 'W';
    chargingSchedulePeriod: { startPeriod: number; limit: number; numberPhases?: number }[];
  }[];
}

export interface ClearedChargingLimitRequest201 {
  chargingLimitSource: 'EMS' | 'Other' | 'SO' | 'CSO';
  evseId?: number;
}

export type ChargingProfilePurpose201 =
  'ChargingStationExternalConstraints' | 'ChargingStationMaxProfile' | 'TxDefaultProfile' | 'TxProfile';

export interface ChargingSchedule201 {
  id: number;
  startSchedule?: string;
  duration?: number;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: {
    startPeriod: number;
    limit: number;
    numberPhases?: number;
    phaseToUse?: number;
  }[];
  minChargingRate?: number;
}

export interface SetChargingProfileRequest201 {
  evseId: number;
  chargingProfile: {
    id: number;
    stackLevel: number;
    chargingProfilePurpose: ChargingProfilePurpose201;
    chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
    validFrom?: string;
    validTo?: string;
    transactionId?: string;
    chargingSchedule: ChargingSchedule201[];
  };
}

export interface SetChargingProfileResponse201 {
  status: 'Accepted' | 'Rejected';
  statusInfo?: { reasonCode: string; additionalInfo?: string };
}
