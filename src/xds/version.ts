/**
 * Versions and nonces. A version is a hash of the content sent (SotW: the whole resource list of
 * one type for one proxy; Delta: one resource), so equal content has an equal version on every
 * stream and across control-plane restarts, and a proxy's `version_info` says what it runs.
 * A nonce is unique per response: server epoch, connection number and a per-stream counter.
 */
import { createHash } from 'node:crypto';

/** 16 hex digits of the SHA-256 of `body`. */
export function contentVersion(body: string): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** Nonces `EPOCH-CONN-SEQ`, unique within a server and very likely across its restarts. */
export class NonceSource {
  private seq = 0;
  constructor(private readonly prefix: string) {}
  next(): string {
    this.seq += 1;
    return `${this.prefix}-${this.seq}`;
  }
}
