/**
 * Host names, exportTo scopes and label selectors with Istio's semantics, shared by the analyzer
 * and the model: short-name expansion (`reviews` → `reviews.NS.svc.cluster.local`), wildcard
 * matching (`host.Name.Matches` and `SubsetOf`), exportTo normalisation and visibility, and label
 * selection. Pure functions on strings and maps; no knowledge of any index or config kind.
 */

/** The DNS suffix of Kubernetes service names: `NAME.NAMESPACE.svc.cluster.local`. */
export const SVC_DOMAIN = 'svc.cluster.local';

/**
 * Istio's `ResolveShortnameToFQDN`: a short name (no dot, not a wildcard) is expanded in `ns`;
 * anything else is kept as written.
 */
export function toFqdn(host: string, ns: string): string {
  if (host.startsWith('*') || host.includes('.')) return host;
  return `${host}.${ns}.${SVC_DOMAIN}`;
}

/**
 * The names a destination host may denote, most specific first: the Istio expansion, then, for a
 * `NAME.NAMESPACE` host, `NAME.NAMESPACE.svc.cluster.local` (the Trellis rule for two-label
 * Kubernetes names; Istio itself does not expand these).
 */
export function hostCandidates(host: string, ns: string): string[] {
  const first = toFqdn(host, ns);
  const parts = host.split('.');
  if (!host.startsWith('*') && parts.length === 2 && parts.every((p) => p !== '')) {
    return [first, `${host}.${SVC_DOMAIN}`];
  }
  return [first];
}

export function isWildcard(host: string): boolean {
  return host.startsWith('*');
}

/** Istio's `host.Name.Matches`: symmetric, wildcard-aware (`*.a.com` matches `b.a.com`, `*.b.a.com`). */
export function hostsMatch(a: string, b: string): boolean {
  const aw = isWildcard(a);
  const bw = isWildcard(b);
  if (aw && bw) {
    return a.length < b.length ? b.slice(1).endsWith(a.slice(1)) : a.slice(1).endsWith(b.slice(1));
  }
  if (aw) return b.endsWith(a.slice(1));
  if (bw) return a.endsWith(b.slice(1));
  return a === b;
}

/**
 * Istio's `host.Name.SubsetOf`: every name `a` denotes is also denoted by `b`
 * (`x.a.com` ⊆ `*.a.com`, `*.b.a.com` ⊆ `*.a.com`, anything ⊆ `*`; `*.a.com` ⊄ `x.a.com`).
 */
export function hostSubsetOf(a: string, b: string): boolean {
  if (b === '*') return true;
  if (isWildcard(b)) return a.endsWith(b.slice(1)) && (!isWildcard(a) || a.length >= b.length);
  return !isWildcard(a) && a === b;
}

/** Normalises an exportTo list: empty means everywhere (`*`), `.` means the object's namespace. */
export function exportScopes(exportTo: readonly string[] | null | undefined, ns: string): string[] {
  if (!exportTo || exportTo.length === 0) return ['*'];
  const out = new Set<string>();
  for (const e of exportTo) out.add(e === '.' ? ns : e);
  if (out.has('*')) return ['*'];
  return [...out].sort();
}

/** Whether something exported to `scopes` is visible from the namespace (or scope `*`) `from`. */
export function visibleFrom(scopes: readonly string[], from: string): boolean {
  if (scopes.includes('*')) return true;
  return from !== '*' && scopes.includes(from);
}

/** True when every `key: value` of `selector` is among `labels` (an empty selector selects all). */
export function selects(
  selector: Readonly<Record<string, string>> | null | undefined,
  labels: Readonly<Record<string, string>>,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** `a=b,c=d`, keys sorted, as Kubernetes prints a selector. */
export function selectorString(selector: Readonly<Record<string, string>> | null | undefined): string {
  if (!selector) return '';
  return Object.keys(selector).sort().map((k) => `${k}=${selector[k]}`).join(',');
}

export function isEmptySelector(selector: Readonly<Record<string, string>> | null | undefined): boolean {
  return !selector || Object.keys(selector).length === 0;
}

/**
 * The namespaces from which a VirtualService or DestinationRule looks up its hosts, as Istio's
 * analyzers do: its own namespace when exportTo is empty, else each exportTo entry (`.` is its
 * own namespace, `*` means "visible everywhere").
 */
export function lookupScopes(exportTo: readonly string[] | null | undefined, ns: string): string[] {
  if (!exportTo || exportTo.length === 0) return [ns];
  return [...new Set(exportTo.map((e) => (e === '.' ? ns : e)))];
}
