/**
 * Durations as Istio's YAML writes them: Go's `time.ParseDuration` syntax ("1.5s", "100ms",
 * "1m30s", "2h") which also covers protobuf JSON's "1.5s". Returns milliseconds.
 */
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds in `text`, or undefined when it is not a duration. Negative durations are invalid. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text.length === 0 || text.length > 64) return undefined;
  let i = 0;
  let total = 0;
  if (text[0] === '+') i = 1;
  if (i >= text.length) return undefined;
  while (i < text.length) {
    PART.lastIndex = i;
    const m = PART.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    i = PART.lastIndex;
  }
  return Number.isFinite(total) ? total : undefined;
}
