/**
 * Common header field names as shared constant strings: the parser returns one of these for a
 * name it recognises (compared case-insensitively, in place, without slicing) instead of a new
 * lower-cased string per field. Constants are internalized, so the Map and Set lookups and the
 * object keys the data path uses with them need no hashing or copying per request. Pure.
 */

/** The names recognised, grouped by length for the lookup. */
const KNOWN = [
  'host', 'accept', 'cookie', 'server', 'date', 'connection', 'user-agent', 'content-type', 'content-length',
  'transfer-encoding', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer', 'accept-encoding', 'accept-language',
  'authorization', 'cache-control', 'location', 'etag', 'vary', 'x-request-id', 'x-forwarded-for', 'x-forwarded-proto',
  'x-forwarded-host', 'x-envoy-attempt-count', 'x-envoy-expected-rq-timeout-ms', 'x-envoy-upstream-service-time',
  'x-envoy-peer-metadata', 'x-envoy-peer-metadata-id', 'x-envoy-original-path', 'x-b3-traceid', 'x-b3-spanid',
  'x-b3-parentspanid', 'x-b3-sampled', 'traceparent', 'tracestate', 'origin', 'referer', 'pragma', 'if-none-match',
  'if-modified-since', 'last-modified', 'content-encoding', 'set-cookie', 'proxy-connection', 'grpc-status',
  'grpc-message', 'grpc-timeout', 'access-control-allow-origin', 'end-user', 'x-user',
];

const byLength: (string[] | undefined)[] = [];
for (const n of KNOWN) (byLength[n.length] ??= []).push(n);

/**
 * The constant for `s[from, to)` if it is a known name (ASCII case-insensitive), else undefined.
 * `s` holds latin1 characters (the parser's view of the head).
 */
export function knownFieldName(s: string, from: number, to: number): string | undefined {
  const cands = byLength[to - from];
  if (cands === undefined) return undefined;
  outer: for (let k = 0; k < cands.length; k++) {
    const n = cands[k]!;
    for (let i = 0; i < n.length; i++) {
      let c = s.charCodeAt(from + i);
      if (c >= 0x41 && c <= 0x5a) c |= 0x20;
      if (c !== n.charCodeAt(i)) continue outer;
    }
    return n;
  }
  return undefined;
}
