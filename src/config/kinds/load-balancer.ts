/**
 * Semantic rules for a DestinationRule `loadBalancer` (ISTIO-RULES §3.3 rules 42–44): the
 * simple/consistentHash choice, consistent-hash keys and algorithms, maglev table size, warmup,
 * and the locality / zone-aware settings with their weights, wildcards, overlaps and failover.
 * Runs after the schema check (types trusted, null = unset). Reports to Ctx, never throws.
 */
import type { Ctx, Path } from '../ctx.js';
import type {
  ConsistentHashLB, LoadBalancerSettings, LocalityFailover, LocalityLbSetting, OutlierDetection, ZoneAwareLbSetting,
} from '../../api/istio/destination-rule.js';
import { checkDurationSyntax, isSet, nonEmpty } from './dr-helpers.js';

const MAGLEV_MAX_TABLE_SIZE = 5000011;
const HASH_KEYS = ['httpHeaderName', 'httpCookie', 'useSourceIp', 'httpQueryParameterName'] as const;
const TOPOLOGY_LABELS = new Set(['topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'topology.istio.io/subzone']);

export function validateLoadBalancer(ctx: Ctx, path: Path, lb: LoadBalancerSettings, outlier: OutlierDetection | null | undefined): void {
  if (isSet(lb.simple) && isSet(lb.consistentHash)) {
    ctx.error([...path, 'consistentHash'], 'simple and consistentHash cannot both be set; choose one load balancing policy');
  }
  if (isSet(lb.consistentHash)) validateConsistentHash(ctx, [...path, 'consistentHash'], lb.consistentHash);
  if (isSet(lb.localityLbSetting) && isSet(lb.zoneAwareLbSetting)) {
    ctx.error([...path, 'zoneAwareLbSetting'], 'localityLbSetting and zoneAwareLbSetting cannot both be set; keep only one of them');
  }
  if (isSet(lb.localityLbSetting)) validateLocalityLb(ctx, [...path, 'localityLbSetting'], lb.localityLbSetting, outlier);
  if (isSet(lb.zoneAwareLbSetting)) validateZoneAwareLb(ctx, [...path, 'zoneAwareLbSetting'], lb.zoneAwareLbSetting, outlier);
  const warm = lb.warmup;
  if (isSet(warm)) {
    const wp = [...path, 'warmup'];
    if (!isSet(warm.duration)) ctx.error([...wp, 'duration'], 'warmup needs a duration, the length of the warmup window, e.g. duration: 60s');
    const min = warm.minimumPercent;
    if (typeof min === 'number' && (min < 0 || min > 100)) ctx.error([...wp, 'minimumPercent'], `minimumPercent must be between 0 and 100, got ${min}`);
    const aggr = warm.aggression;
    if (typeof aggr === 'number' && aggr <= 0) ctx.error([...wp, 'aggression'], `aggression must be greater than 0 (1.0 ramps up linearly), got ${aggr}`);
  }
}

function validateConsistentHash(ctx: Ctx, path: Path, ch: ConsistentHashLB): void {
  const keys = HASH_KEYS.filter((k) => isSet(ch[k]));
  if (keys.length > 1) {
    ctx.error([...path, keys[1]!], `only one hash key may be set (httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName); found ${keys.join(' and ')}`);
  }
  if (isSet(ch.ringHash) && isSet(ch.maglev)) {
    ctx.error([...path, 'maglev'], 'ringHash and maglev cannot both be set; choose one consistent hash algorithm');
  }
  const cookie = ch.httpCookie;
  if (isSet(cookie)) {
    const cp = [...path, 'httpCookie'];
    if ((cookie.name ?? '') === '') ctx.error([...cp, 'name'], 'httpCookie needs a name, the cookie to hash on, e.g. name: user');
    if (isSet(cookie.ttl)) checkDurationSyntax(ctx, [...cp, 'ttl'], cookie.ttl);
    const seen = new Set<string>();
    (cookie.attributes ?? []).forEach((attr, i) => {
      const name = attr?.name ?? '';
      const ap = attr ? [...cp, 'attributes', i, 'name'] : [...cp, 'attributes', i];
      if (name === '') ctx.error(ap, 'a cookie attribute needs a non-empty name, e.g. name: SameSite');
      else if (seen.has(name)) ctx.error(ap, `duplicate cookie attribute name ${JSON.stringify(name)}; each attribute may appear once`);
      else seen.add(name);
    });
  }
  if ((ch.minimumRingSize ?? 0) !== 0) {
    ctx.warn([...path, 'minimumRingSize'], 'consistentHash.minimumRingSize is deprecated; use consistentHash.ringHash.minimumRingSize instead');
    if (isSet(ch.ringHash) || isSet(ch.maglev)) {
      ctx.error([...path, 'minimumRingSize'], 'minimumRingSize cannot be set together with ringHash or maglev; move it to ringHash.minimumRingSize');
    }
  }
  if (isSet(ch.maglev)) {
    const mp = [...path, 'maglev', 'tableSize'];
    const size = ch.maglev.tableSize ?? 0;
    if (size === 0) ctx.error(mp, 'maglev needs a tableSize, a prime number below 5000011 such as 65537');
    else if (size >= MAGLEV_MAX_TABLE_SIZE) ctx.error(mp, `maglev tableSize must be less than ${MAGLEV_MAX_TABLE_SIZE} (e.g. 65537), got ${size}`);
    else if (!isPrime(size)) ctx.error(mp, `maglev tableSize must be a prime number (e.g. 65537 or 131071), got ${size}`);
  }
}

/** Envoy's primality test for maglev table sizes (1, 2 and 3 count as prime there). */
export function isPrime(x: number): boolean {
  if (x > 0 && x < 4) return true;
  if (x % 2 === 0) return false;
  const limit = Math.floor(Math.sqrt(x));
  for (let f = 3; f <= limit; f += 2) if (x % f === 0) return false;
  return true;
}

function validateLocalityLb(ctx: Ctx, path: Path, lb: LocalityLbSetting, outlier: OutlierDetection | null | undefined): void {
  const distribute = lb.distribute ?? [];
  const failover = lb.failover ?? [];
  const priority = lb.failoverPriority ?? [];
  if (distribute.length > 0 && failover.length > 0) {
    ctx.error([...path, 'failover'], 'distribute and failover cannot both be set; use distribute for weighted locality traffic or failover for failover order');
    return;
  }
  if (failover.length > 0) {
    priority.forEach((label, i) => {
      if (TOPOLOGY_LABELS.has(label)) {
        ctx.error([...path, 'failoverPriority', i],
          `failoverPriority cannot use the topology label ${JSON.stringify(label)} together with failover; remove the label or remove failover`);
      }
    });
  }
  const sources: LocalityRef[] = [];
  distribute.forEach((d, i) => {
    const dp = [...path, 'distribute', i];
    if (!isSet(d)) {
      ctx.error(dp, 'a distribute entry may not be null; give from and to');
      return;
    }
    sources.push({ locality: d.from ?? '', path: [...dp, 'from'] });
    const to = Object.entries(d.to ?? {});
    let total = 0;
    let badWeight = false;
    for (const [loc, w] of to) {
      if (w < 1 || w > 100) {
        ctx.error([...dp, 'to', loc], `locality weight must be between 1 and 100, got ${w}`);
        badWeight = true;
      }
      total += w;
    }
    if (badWeight) return;
    if (total !== 100) ctx.error([...dp, 'to'], `locality weights in "to" must total 100, got ${total}`);
    else checkLocalities(ctx, to.map(([loc]) => ({ locality: loc, path: [...dp, 'to', loc] })));
  });
  checkLocalities(ctx, sources);
  checkFailover(ctx, path, 'locality', failover, priority, outlier);
}

function validateZoneAwareLb(ctx: Ctx, path: Path, lb: ZoneAwareLbSetting, outlier: OutlierDetection | null | undefined): void {
  const priority = lb.failoverPriority ?? [];
  priority.forEach((label, i) => {
    if (TOPOLOGY_LABELS.has(label)) {
      ctx.error([...path, 'failoverPriority', i],
        `failoverPriority for zone-aware load balancing must not use the topology label ${JSON.stringify(label)}; region and zone routing are automatic (order regions with failover)`);
    }
  });
  if (typeof lb.minClusterSize === 'number' && lb.minClusterSize < 1) {
    ctx.error([...path, 'minClusterSize'], `minClusterSize must be at least 1, got ${lb.minClusterSize}`);
  }
  checkFailover(ctx, path, 'zone-aware', lb.failover ?? [], priority, outlier);
}

function checkFailover(
  ctx: Ctx, path: Path, what: string, failover: readonly (LocalityFailover | null)[], priority: readonly string[],
  outlier: OutlierDetection | null | undefined,
): void {
  if ((failover.length > 0 || nonEmpty(priority)) && !isSet(outlier)) {
    ctx.warn(path, 'failover needs outlierDetection in the same traffic policy to detect unhealthy endpoints; add outlierDetection');
  }
  failover.forEach((f, i) => {
    const fp = [...path, 'failover', i];
    const from = f?.from ?? '';
    const to = f?.to ?? '';
    if (from === to) ctx.error([...fp, 'to'], `${what} failover must go to a different region; from and to are both ${JSON.stringify(from)}`);
    for (const [field, v] of [['from', from], ['to', to]] as const) {
      if (v.includes('/')) ctx.error([...fp, field], `${what} failover names regions only (no zone or subzone), got ${JSON.stringify(v)}`);
      if (v.includes('*')) ctx.error([...fp, field], `${what} failover regions cannot contain the '*' wildcard, got ${JSON.stringify(v)}`);
    }
  });
}

interface LocalityRef {
  locality: string;
  path: Path;
}

/**
 * Localities are `region[/zone[/subzone]]`, with at most one `*`, at the end; none may repeat or
 * fall inside an earlier one. Like Istio, only the first problem in a list is reported.
 */
function checkLocalities(ctx: Ctx, refs: readonly LocalityRef[]): void {
  // region -> zone -> subzones; '*' at a level means "all of it" was claimed.
  const claimed = new Map<string, Map<string, Set<string>>>();
  const overlap = (r: LocalityRef): void =>
    ctx.error(r.path, `locality ${JSON.stringify(r.locality)} overlaps an earlier one; list each locality once, and not inside a broader one already listed`);
  for (const r of refs) {
    const loc = r.locality;
    const stars = loc.split('*').length - 1;
    if (stars > 1 || (stars === 1 && !loc.endsWith('*'))) {
      ctx.error(r.path, `locality ${JSON.stringify(loc)} may contain at most one '*', and only at the end (e.g. "us-east/*")`);
      return;
    }
    if (claimed.has('*')) return overlap(r);
    const parts = splitLocality(loc);
    if (parts.some((p) => p === '')) {
      ctx.error(r.path, `locality ${JSON.stringify(loc)} must not have an empty region, zone or subzone; use region[/zone[/subzone]]`);
      return;
    }
    const [region, zone, sub] = parts as [string, string?, string?];
    const zones = claimed.get(region);
    if (zone === undefined) {
      if (zones) return overlap(r);
      claimed.set(region, new Map([['*', new Set(['*'])]]));
    } else if (sub === undefined) {
      if (!zones) claimed.set(region, new Map([[zone, new Set(['*'])]]));
      else if (zones.has('*') || zones.has(zone)) return overlap(r);
      else zones.set(zone, new Set(['*']));
    } else if (!zones) {
      claimed.set(region, new Map([[zone, new Set([sub])]]));
    } else {
      if (zones.has('*')) return overlap(r);
      const subs = zones.get(zone);
      if (!subs) zones.set(zone, new Set([sub]));
      else if (subs.has('*') || subs.has(sub)) return overlap(r);
      else subs.add(sub);
    }
  }
}

/** Splits into at most three parts; the subzone keeps any further '/'. */
function splitLocality(loc: string): string[] {
  const a = loc.indexOf('/');
  if (a < 0) return [loc];
  const b = loc.indexOf('/', a + 1);
  if (b < 0) return [loc.slice(0, a), loc.slice(a + 1)];
  return [loc.slice(0, a), loc.slice(a + 1, b), loc.slice(b + 1)];
}
