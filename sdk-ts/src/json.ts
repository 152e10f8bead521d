// Lenient reading of upstream JSON, like the Rust SDK's `json::Text`, `Int`
// and `text_at`: an oddly typed value is `undefined`, never a failed page.

/** The value at `path` (`["plan", "name"]`), or undefined. */
export function at(value: unknown, path: readonly string[]): unknown {
  let v: unknown = value;
  for (const key of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A non-empty string at `path` (numbers are written as text), or undefined. */
export function text(value: unknown, path: readonly string[]): string | undefined {
  const v = at(value, path);
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** An integer at `path` (a numeric string too), or undefined. */
export function int(value: unknown, path: readonly string[]): number | undefined {
  const v = at(value, path);
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : undefined;
}

/** A boolean at `path`, or undefined. */
export function flag(value: unknown, path: readonly string[]): boolean | undefined {
  const v = at(value, path);
  return typeof v === 'boolean' ? v : undefined;
}

/** The record's text for `raw` (compact JSON of the upstream record). */
export function compact(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}
