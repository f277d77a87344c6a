import { parseRfc3339DateTime } from '@gridflex/common';

/** Shared with the admin API's instants; OSCP's parsers import it from here. */
export { parseRfc3339DateTime };

/** pyoscp sends `YYYY-MM-DD HH:MM:SS` with no zone: read it as UTC. */
const ZONELESS_DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)$/i;

/** Like `parseRfc3339DateTime`, and also accepts a space for `T` and a missing offset (read as UTC). */
export function parseLenientDateTime(value: unknown): number | undefined {
  const strict = parseRfc3339DateTime(value);
  if (strict !== undefined || typeof value !== 'string') return strict;
  const zoneless = ZONELESS_DATE_TIME.exec(value.trim());
  return zoneless ? parseRfc3339DateTime(`${zoneless[1]}T${zoneless[2]}Z`) : undefined;
}
