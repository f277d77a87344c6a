/**
 * The OCPP 1.6J payloads this gateway reads or writes, as the 1.6 JSON schemas define them. ocpp-rpc validates
 * every frame against those schemas in strict mode, so handlers may rely on these shapes.
 */

export type ChargePointStatus16 =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEVSE'
  | 'SuspendedEV'
  | 'Finishing'
  | 'Reserved'
  | 'Unavailable'
  | 'Faulted';

export interface BootNotificationRequest16 {
  chargePointVendor: string;
  chargePointModel: string;
  chargePointSerialNumber?: string;
  chargeBoxSerialNumber?: string;
  firmwareVersion?: string;
  iccid?: string;
  imsi?: string;
  meterType?: string;
  meterSerialNumber?: string;
}

export interface BootNotificationResponse16 {
  status: 'Accepted' | 'Pending' | 'Rejected';
  currentTime: string;
  interval: number;
}

export interface StatusNotificationRequest16 {
  connectorId: number;
  errorCode: string;
  status: ChargePointStatus16;
  timestamp?: string;
  info?: string;
  vendorId?: string;
  vendorErrorCode?: string;
}

export interface StartTransactionRequest16 {
  connectorId: number;
  idTag: string;
  meterStart: number;
  timestamp: string;
  reservationId?: number;
}

export interface IdTagInfo16 {
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
  expiryDate?: string;
  parentIdTag?: string;
}

export interface AuthorizeRequest16 {
  idTag: string;
}

export interface AuthorizeResponse16 {
  idTagInfo: IdTagInfo16;
}

export interface StartTransactionResponse16 {
  idTagInfo: IdTagInfo16;
  transactionId: number;
}

export interface StopTransactionResponse16 {
  idTagInfo?: IdTagInfo16;
}

/** Security whitepaper: the charger asks for its certificate signing request to be signed. */
export interface SignCertificateResponse16 {
  status: 'Accepted' | 'Rejected';
}

export interface SampledValue16 {
  /** A decimal written as a string. */
  value: string;
  context?: string;
  format?: 'Raw' | 'SignedData';
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}

export interface MeterValue16 {
  timestamp: string;
  sampledValue: SampledValue16[];
}

export interface MeterValuesRequest16 {
  connectorId: number;
  transactionId?: number;
  meterValue: MeterValue16[];
}

export interface StopTransactionRequest16 {
  transactionId: number;
  meterStop: number;
  timestamp: string;
  idTag?: string;
  reason?: string;
  transactionData?: MeterValue16[];
}

export type ChargingProfilePurpose16 = 'ChargePointMaxProfile' | 'TxDefaultProfile' | 'TxProfile';

export interface ChargingSchedulePeriod16 {
  startPeriod: number;
  limit: number;
  numberPhases?: number;
}

export interface ChargingSchedule16 {
  duration?: number;
  startSchedule?: string;
  chargingRateUnit: 'A' | 'W';
  chargingSchedulePeriod: ChargingSchedulePeriod16[];
  minChargingRate?: number;
}

export interface SetChargingProfileRequest16 {
  connectorId: number;
  csChargingProfiles: {
    chargingProfileId: number;
    transactionId?: number;
    stackLevel: number;
    chargingProfilePurpose: ChargingProfilePurpose16;
    chargingProfileKind: 'Absolute' | 'Recurring' | 'Relative';
    recurrencyKind?: 'Daily' | 'Weekly';
    validFrom?: string;
    validTo?: string;
    chargingSchedule: ChargingSchedule16;
  };
}

export interface SetChargingProfileResponse16 {
  status: 'Accepted' | 'Rejected' | 'NotSupported';
}
