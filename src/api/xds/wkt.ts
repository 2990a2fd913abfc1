/**
 * Scalar forms of proto3 JSON: Duration and Timestamp strings, 64-bit integers, float32 printing,
 * base64. Parsers return undefined on bad input (callers report the problem with its path);
 * formatters produce the canonical form a proto3 JSON printer writes ("5s", "0.250s",
 * "2024-01-01T00:00:00Z", 64-bit integers as decimal strings).
 */

const MAX_DURATION_SECONDS = 315_576_000_000n;

export interface SecondsNanos {
  seconds: bigint;
  nanos: number;
}

/** "5s", "-0.250s", "1.000000001s" → seconds and nanos with the same sign. */
export function parseDuration(text: string): SecondsNanos | undefined {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (!m) return undefined;
  const sign = m[1] ? -1 : 1;
  const seconds = BigInt(m[2]);
  if (seconds > MAX_DURATION_SECONDS) return undefined;
  const nanos = m[3] ? Number(m[3].padEnd(9, '0')) : 0;
  return { seconds: sign < 0 ? -seconds : seconds, nanos: sign < 0 && nanos !== 0 ? -nanos : nanos };
}

/** Fraction digits as a proto3 JSON printer writes them: none, 3, 6 or 9. */
function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const nine = String(nanos).padStart(9, '0');
  if (nine.endsWith('000000')) return `.${nine.slice(0, 3)}`;
  if (nine.endsWith('000')) return `.${nine.slice(0, 6)}`;
  return `.${nine}`;
}

export function formatDuration(value: SecondsNanos): string {
  const negative = value.seconds < 0n || value.nanos < 0;
  const seconds = value.seconds < 0n ? -value.seconds : value.seconds;
  return `${negative ? '-' : ''}${seconds}${fraction(Math.abs(value.nanos))}s`;
}

/** Whether seconds and nanos are a valid Duration (range, nanos in range and of the same sign). */
export function validDuration(value: SecondsNanos): boolean {
  const abs = value.seconds < 0n ? -value.seconds : value.seconds;
  if (abs > MAX_DURATION_SECONDS || Math.abs(value.nanos) > 999_999_999) return false;
  return !(value.seconds > 0n && value.nanos < 0) && !(value.seconds < 0n && value.nanos > 0);
}

const MIN_TIMESTAMP = -62_135_596_800n; // 0001-01-01T00:00:00Z
const MAX_TIMESTAMP = 253_402_300_799n; // 9999-12-31T23:59:59Z

/** RFC 3339 ("2024-05-01T10:00:00.5Z", offsets allowed) → seconds since the epoch and nanos. */
export function parseTimestamp(text: string): SecondsNanos | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCDate() !== day) return undefined;
  let seconds = BigInt(Math.floor(date.getTime() / 1000));
  if (m[8] !== 'Z') {
    const offset = (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * 60;
    seconds -= BigInt(m[8][0] === '+' ? offset : -offset);
  }
  if (seconds < MIN_TIMESTAMP || seconds > MAX_TIMESTAMP) return undefined;
  return { seconds, nanos: m[7] ? Number(m[7].padEnd(9, '0')) : 0 };
}

export function formatTimestamp(value: SecondsNanos): string {
  const date = new Date(Number(value.seconds) * 1000);
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ (years 0001-9999)
  return `${iso.slice(0, 19)}${fraction(value.nanos)}Z`;
}

const LONG_RANGES: Record<string, [bigint, bigint]> = {
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/** A 64-bit integer given as a safe integer number or a decimal string → its decimal string. */
export function parseLong(kind: string, value: unknown): string | undefined {
  let big: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return undefined;
    big = BigInt(value);
  } else if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    big = BigInt(value);
  } else {
    return undefined;
  }
  const [min, max] = LONG_RANGES[kind];
  return big < min || big > max ? undefined : big.toString();
}

const INT32_RANGES: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  sint32: [-(2 ** 31), 2 ** 31 - 1],
  sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1],
  fixed32: [0, 2 ** 32 - 1],
};

export function int32InRange(kind: string, value: number): boolean {
  const [min, max] = INT32_RANGES[kind];
  return Number.isInteger(value) && value >= min && value <= max;
}

/** The shortest decimal that reads back as the same float32 (how printers write `float`). */
export function float32ToJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const f = Math.fround(value);
  for (let precision = 1; precision <= 9; precision++) {
    const candidate = Number(f.toPrecision(precision));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

export function doubleToJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  return value;
}

/** Standard or URL-safe base64, with or without padding → bytes; undefined when malformed. */
export function parseBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(text)) return undefined;
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
