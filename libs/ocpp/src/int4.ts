const INT4_MAX = 2_147_483_647;

/**
 * Whether an id a charger sent fits the integer columns it is compared with; the OCPP schemas allow any
 * integer, and PostgreSQL refuses a comparison with an out-of-range literal instead of finding nothing.
 */
export function fitsInt4(value: number): boolean {
  return Number.isInteger(value) && value >= -INT4_MAX - 1 && value <= INT4_MAX;
}
