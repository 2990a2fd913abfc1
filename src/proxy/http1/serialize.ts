/**
 * HTTP/1.1 heads from the router's header records, and parsed field lists read into them. A
 * head is built as one string and goes out as latin1 (byte-exact for the values the parser
 * produced) in one write; a head carrying characters beyond latin1 (a
 * header value from configuration) is written as UTF-8 for those characters instead of being
 * truncated. `connection` is never copied (the writer decides it), and with `skipFraming` neither
 * are Content-Length and Transfer-Encoding (the writer sets the framing it uses).
 */
import { connectionListed, isHopByHop, type Headers } from '../router/headers.js';

export function headString(start: string, h: Headers, extra: string, skipFraming: boolean): string {
  let s = start;
  for (const k in h) {
    const v = h[k];
    if (v === undefined || k === 'connection') continue;
    if (skipFraming && (k === 'content-length' || k === 'transfer-encoding')) continue;
    if (typeof v === 'string') s += `${k}: ${v}\r\n`;
    else for (const x of v) s += `${k}: ${x}\r\n`;
  }
  return `${s}${extra}\r\n`;
}

/** Bytes for a head: latin1 characters as themselves, anything beyond as UTF-8. */
function headBytes(s: string): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) <= 0xff) continue;
    let j = i + 1;
    while (j < s.length && s.charCodeAt(j) > 0xff) j++;
    parts.push(Buffer.from(s.slice(from, i), 'latin1'), Buffer.from(s.slice(i, j), 'utf8'));
    from = j;
    i = j - 1;
  }
  parts.push(Buffer.from(s.slice(from), 'latin1'));
  return Buffer.concat(parts);
}

/** What a head is written as: itself when every character is latin1 (the usual case), else bytes. */
export function headData(s: string): string | Buffer {
  // Pure ASCII (the common case) has as many UTF-8 bytes as characters.
  if (Buffer.byteLength(s, 'utf8') === s.length) return s;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return headBytes(s);
  return s;
}

/** A head followed by a small body, as one buffer (one write). */
export function withBody(head: string, body: Buffer): Buffer {
  if (Buffer.byteLength(head, 'utf8') !== head.length) return Buffer.concat([headBytes(head), body]);
  const buf = Buffer.allocUnsafe(head.length + body.length);
  buf.write(head, 0, 'latin1');
  body.copy(buf, head.length);
  return buf;
}

/**
 * Parsed fields as a header record without the hop-by-hop ones (RFC 9110 §7.6.1: the fixed set
 * and whatever `Connection` names), which belong to this connection and are not passed on.
 */
export function endToEndHeaders(names: readonly string[], values: readonly string[]): Headers {
  let listed: string[] | undefined;
  for (let i = 0; i < names.length; i++) if (names[i] === 'connection') listed = connectionListed(values[i], listed);
  const h: Headers = {};
  for (let i = 0; i < names.length; i++) {
    const k = names[i]!;
    if (isHopByHop(k) || (listed !== undefined && listed.includes(k))) continue;
    const cur = h[k];
    if (cur === undefined) h[k] = values[i]!;
    else if (typeof cur === 'string') h[k] = [cur, values[i]!];
    else cur.push(values[i]!);
  }
  return h;
}
