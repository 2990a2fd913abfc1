/**
 * The few spec fields the analyzers read, typed loosely (every field optional or nullable), and
 * the helpers that turn an object into a message. Validation has already checked the shapes, so
 * these types only document what is read; they are not the full Istio API.
 */
import { objectRef, type RawObject } from '../../api/resource.js';
import type { AnalysisMessage, Level } from './message.js';

type Opt<T> = T | null | undefined;

export interface PortSelector { number?: Opt<number> }
export interface Destination { host?: Opt<string>; subset?: Opt<string>; port?: Opt<PortSelector> }
export interface RouteDestination { destination?: Opt<Destination> }
export interface HttpRoute {
  route?: Opt<RouteDestination[]>;
  mirror?: Opt<Destination>;
  mirrors?: Opt<{ destination?: Opt<Destination> }[]>;
}
export interface VirtualServiceSpec {
  hosts?: Opt<string[]>;
  gateways?: Opt<string[]>;
  exportTo?: Opt<string[]>;
  http?: Opt<HttpRoute[]>;
  tcp?: Opt<{ route?: Opt<RouteDestination[]> }[]>;
  tls?: Opt<{ route?: Opt<RouteDestination[]> }[]>;
}
export interface Subset { name?: Opt<string>; labels?: Opt<Record<string, string>> }
export interface DestinationRuleSpec { host?: Opt<string>; subsets?: Opt<Subset[]>; exportTo?: Opt<string[]> }
export interface Server {
  port?: Opt<{ number?: Opt<number>; name?: Opt<string>; protocol?: Opt<string> }>;
  hosts?: Opt<string[]>;
  bind?: Opt<string>;
}
export interface GatewaySpec { selector?: Opt<Record<string, string>>; servers?: Opt<Server[]> }
export interface ServiceEntrySpec {
  hosts?: Opt<string[]>;
  addresses?: Opt<string[]>;
  ports?: Opt<{ number?: Opt<number>; name?: Opt<string>; protocol?: Opt<string>; targetPort?: Opt<number> }[]>;
  exportTo?: Opt<string[]>;
  resolution?: Opt<string>;
  workloadSelector?: Opt<{ labels?: Opt<Record<string, string>> }>;
  endpoints?: Opt<{ labels?: Opt<Record<string, string>> }[]>;
}
export interface SidecarSpec { workloadSelector?: Opt<{ labels?: Opt<Record<string, string>> }> }
export interface KubeServiceSpec {
  selector?: Opt<Record<string, string>>;
  ports?: Opt<{ port?: Opt<number>; name?: Opt<string>; protocol?: Opt<string>; targetPort?: Opt<number | string> }[]>;
}

/** The object's `spec` (an empty object when absent). */
export function specOf<T>(o: RawObject): T {
  const s = o.body.spec;
  return (s && typeof s === 'object' ? s : {}) as T;
}

/** Iterates a possibly-null list with its indexes. */
export function list<T>(v: Opt<readonly T[]>): readonly T[] {
  return Array.isArray(v) ? v : [];
}

/** Builds a message about `obj`, pointing at the line of `path` (relative to the object root). */
export function message(
  obj: RawObject,
  code: string,
  level: Level,
  text: string,
  path: readonly (string | number)[] = [],
): AnalysisMessage {
  return { code, level, message: text, origin: objectRef(obj), reference: `${obj.origin.file}:${obj.lineOf(path)}` };
}

/** `namespace/name`, the way Istio names objects inside message text. */
export function fullName(o: RawObject): string {
  return `${o.metadata.namespace}/${o.metadata.name}`;
}
