/**
 * What a client subscribed to for one type URL, by the xDS spec's rules: the first request with
 * no names is a (legacy) wildcard; `*` among the names is an explicit wildcard; names list
 * specific resources. In SotW every request carries the full list: a later empty list keeps a
 * legacy wildcard (Envoy re-sends empty lists for LDS/CDS) but unsubscribes from everything
 * otherwise; a non-empty list without `*` ends the wildcard. Delta requests add and remove names.
 */

export class Subscription {
  private wildcard = false;
  private legacy = false;
  private names = new Set<string>();
  /** requestedNames(), kept until the names change. */
  private sorted: readonly string[] | undefined;

  /** SotW: the resource_names of a request; returns whether the subscription changed. */
  setSotw(resourceNames: readonly string[] | undefined, first: boolean): boolean {
    const names = resourceNames ?? [];
    // the common case, an ACK repeating the names: nothing to do
    if (!first && names.length > 0 && !this.wildcard && names.length === this.names.size && names.every((n) => n !== '*' && this.names.has(n))) return false;
    this.sorted = undefined;
    const before = this.key();
    if (names.length === 0) {
      if (first || this.legacy) {
        this.wildcard = true;
        this.legacy = true;
      } else {
        this.wildcard = false;
      }
      this.names = new Set();
    } else {
      this.legacy = false;
      this.wildcard = names.includes('*');
      this.names = new Set(names.filter((n) => n !== '*'));
    }
    return this.key() !== before;
  }

  /** Delta: subscribe/unsubscribe lists; returns the names newly subscribed ('*' for wildcard). */
  applyDelta(subscribe: readonly string[] | undefined, unsubscribe: readonly string[] | undefined, first: boolean): string[] {
    this.sorted = undefined;
    const added: string[] = [];
    const sub = subscribe ?? [];
    if (first && sub.length === 0) {
      this.wildcard = true;
      this.legacy = true;
      added.push('*');
    }
    for (const n of sub) {
      if (n === '*') {
        if (!this.wildcard) added.push('*');
        this.wildcard = true;
      } else if (!this.names.has(n)) {
        this.names.add(n);
        added.push(n);
      }
    }
    for (const n of unsubscribe ?? []) {
      if (n === '*') {
        this.wildcard = false;
        this.legacy = false;
      } else {
        this.names.delete(n);
      }
    }
    return added;
  }

  get isWildcard(): boolean {
    return this.wildcard;
  }

  has(name: string): boolean {
    return this.wildcard || this.names.has(name);
  }

  /** What to pass a Generator: undefined for a wildcard, else the names in sorted order. */
  requestedNames(): readonly string[] | undefined {
    if (this.wildcard) return undefined;
    this.sorted ??= [...this.names].sort();
    return this.sorted;
  }

  /** For status: '*' or the names. */
  describe(): '*' | readonly string[] {
    return this.wildcard ? '*' : [...this.names].sort();
  }

  private key(): string {
    return `${this.wildcard ? '*' : ''}|${[...this.names].sort().join('\n')}`;
  }
}
