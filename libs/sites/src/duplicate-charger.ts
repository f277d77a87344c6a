export class DuplicateChargerIdentityError extends Error {
  constructor(identity: string) {
    super(`A charger with identity "${identity}" is already registered`);
  }
}

const UNIQUE_VIOLATION = '23505';

export function isUniqueViolation(error: unknown): boolean {
  const candidates = [error, (error as { cause?: unknown })?.cause];
  return candidates.some((e) => (e as { code?: string } | undefined)?.code === UNIQUE_VIOLATION);
}
