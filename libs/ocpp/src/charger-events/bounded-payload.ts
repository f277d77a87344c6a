/** How large one stored event's payload may be, as JSON in UTF-8. */
export const MAX_EVENT_PAYLOAD_BYTES = 16 * 1024;

const bytesOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * The payload as stored: whole when its JSON fits `maxBytes`; else marked `truncated` with its size, keeping
 * in order the fields that fit and the leading items of a list that does not (a report's first entries tell
 * an operator more than none).
 */
export function boundedPayload(
  payload: Record<string, unknown>,
  maxBytes = MAX_EVENT_PAYLOAD_BYTES,
): Record<string, unknown> {
  const originalBytes = bytesOf(payload);
  if (originalBytes <= maxBytes) return payload;
  const fields: [string, unknown][] = [
    ['truncated', true],
    ['originalBytes', originalBytes],
  ];
  let used = bytesOf(Object.fromEntries(fields));
  for (const [key, value] of Object.entries(payload)) {
    // A field costs its quoted key, a colon and a comma beside its value.
    const room = maxBytes - used - bytesOf(key) - 2;
    const kept = Array.isArray(value)
      ? leadingItems(value, room)
      : bytesOf(value) <= room
        ? value
        : undefined;
    if (kept === undefined) continue;
    fields.push([key, kept]);
    used += bytesOf(key) + 2 + bytesOf(kept);
  }
  // fromEntries keeps a key such as `__proto__` a plain field, as JSON.parse made it.
  return Object.fromEntries(fields);
}

/** The longest head of the list whose JSON fits `room` bytes; undefined when not even `[]` fits. */
function leadingItems(items: unknown[], room: number): unknown[] | undefined {
  if (room < 2) return undefined;
  let used = 2;
  const kept: unknown[] = [];
  for (const item of items) {
    const size = bytesOf(item) + (kept.length > 0 ? 1 : 0);
    if (used + size > room) break;
    kept.push(item);
    used += size;
  }
  return kept;
}
