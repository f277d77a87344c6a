/** A UTF-16 surrogate without its pair, which has no UTF-8 form (jsonb refuses its escape). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** PostgreSQL stores a NUL character in neither text nor jsonb, nor a lone surrogate. */
function isUnstorable(text: string): boolean {
  return text.includes('\u0000') || LONE_SURROGATE.test(text);
}

/**
 * Where the first string of a charger's payload (a value or a key) holds text PostgreSQL cannot store, as a
 * path such as `chargePointVendor` or `meterValue[0].sampledValue[1].unit`; null when every string is
 * storable. The OCPP schemas allow any character in a string, so this is checked beside them.
 */
export function unstorableTextPath(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return isUnstorable(value) ? path || '(payload)' : null;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableTextPath(item, `${path}[${index}]`);
      if (found !== null) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      // A key of such text is named escaped, since the path goes into our answer and our log.
      if (isUnstorable(key)) return `${path}[${JSON.stringify(key)}]`;
      const keyPath = path ? `${path}.${key}` : key;
      const found = unstorableTextPath(item, keyPath);
      if (found !== null) return found;
    }
  }
  return null;
}
