export type OcppVersion = '1.6' | '2.0.1';

/** The purposes a CSMS may clear: 2.0.1 forbids clearing `ChargingStationExternalConstraints` (K10.FR.06). */
export const PURPOSES_BY_VERSION: Record<OcppVersion, readonly string[]> = {
  '1.6': ['ChargePointMaxProfile', 'TxDefaultProfile', 'TxProfile'],
  '2.0.1': ['ChargingStationMaxProfile', 'TxDefaultProfile', 'TxProfile'],
};

/** Every purpose of either version; the charger's own version is checked once it is known. */
export const CHARGING_PROFILE_PURPOSES = [...new Set(Object.values(PURPOSES_BY_VERSION).flat())];

/** The `MessageTrigger` enumeration of each version's TriggerMessage schema. */
export const TRIGGERABLE_MESSAGES: Record<OcppVersion, readonly string[]> = {
  '1.6': [
    'BootNotification',
    'DiagnosticsStatusNotification',
    'FirmwareStatusNotification',
    'Heartbeat',
    'MeterValues',
    'StatusNotification',
  ],
  '2.0.1': [
    'BootNotification',
    'LogStatusNotification',
    'FirmwareStatusNotification',
    'Heartbeat',
    'MeterValues',
    'SignChargingStationCertificate',
    'SignV2GCertificate',
    'StatusNotification',
    'TransactionEvent',
    'SignCombinedCertificate',
    'PublishFirmwareStatusNotification',
  ],
};
