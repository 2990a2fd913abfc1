/**
 * Builds the compact wire schema (wire-schema.ts) from the loaded protobufjs Root: every message
 * and enum reachable from the four resource types, DiscoveryRequest/DiscoveryResponse,
 * google.protobuf.Struct and the types of protos.ts's EXTENSION_FILES (the Any payloads), plus
 * every other message of the Root (an Any may name any loaded type, and the old decoder found
 * them all). Fields keep their declaration order and the facts the decoder needs: number, proto
 * and JSON names, scalar kind or message/enum reference, repeated, packed, map key, oneof and
 * presence (json.ts `hasPresence`, so defaults print exactly as to-json.ts prints them).
 *
 * Used at build time (scripts/build-wire-schema.mjs) and, lazily, by dev runs without the built
 * file. This is the only wire-* module that loads protobufjs.
 */
import protobuf from 'protobufjs';
import { TypeUrl } from '../envoy/common.js';
import { hasPresence, jsonName } from './json.js';
import { EXTENSION_FILES, protoRoot } from './protos.js';
import { WIRE_SCHEMA_FORMAT, type ScalarKind, type WireField, type WireMessage, type WireSchema } from './wire-schema.js';

/** The messages decoding starts from, besides the EXTENSION_FILES types. */
export const WIRE_ROOT_MESSAGES: readonly string[] = [
  ...Object.values(TypeUrl).map((u) => u.slice(u.lastIndexOf('/') + 1)),
  'envoy.service.discovery.v3.DiscoveryRequest',
  'envoy.service.discovery.v3.DiscoveryResponse',
  'google.protobuf.Struct',
];

function strip(fullName: string): string {
  return fullName.startsWith('.') ? fullName.slice(1) : fullName;
}

function allOf(ns: protobuf.NamespaceBase, out: protobuf.ReflectionObject[] = []): protobuf.ReflectionObject[] {
  for (const n of ns.nestedArray) {
    out.push(n);
    if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) allOf(n as protobuf.NamespaceBase, out);
  }
  return out;
}

function fieldOf(f: protobuf.Field): WireField {
  f.resolve();
  const resolved = f.resolvedType;
  const out: WireField = {
    id: f.id,
    name: f.name,
    json: jsonName(f),
    kind: resolved instanceof protobuf.Type ? 'message' : resolved instanceof protobuf.Enum ? 'enum' : 'scalar',
    type: resolved ? strip(resolved.fullName) : f.type,
  };
  if (f.repeated) out.repeated = true;
  if (f.repeated && f.packed && !resolved) out.packed = true;
  if (f.map) out.mapKey = (f as unknown as protobuf.MapField).keyType as ScalarKind;
  if (f.partOf) out.oneof = f.partOf.name;
  if (!f.map && !f.repeated && hasPresence(f)) out.presence = true;
  return out;
}

/** The table for `root` (every message reachable from the roots, then the rest of the Root). */
export function buildWireSchema(root: protobuf.Root): WireSchema {
  const everything = allOf(root);
  const starts = [
    ...WIRE_ROOT_MESSAGES.map((n) => root.lookupType(n)),
    ...everything.filter((o): o is protobuf.Type => o instanceof protobuf.Type && EXTENSION_FILES.some((f) => o.filename?.endsWith(`/${f}`))),
    ...everything.filter((o): o is protobuf.Type => o instanceof protobuf.Type),
  ];
  const messages: Record<string, WireMessage> = {};
  const enums: Record<string, Record<string, string>> = {};
  const queue: protobuf.ReflectionObject[] = [...starts];
  while (queue.length) {
    const t = queue.shift()!;
    const name = strip(t.fullName);
    if (t instanceof protobuf.Enum) {
      if (enums[name]) continue;
      enums[name] = Object.fromEntries(Object.entries(t.valuesById).map(([k, v]) => [k, v]));
      continue;
    }
    if (!(t instanceof protobuf.Type) || messages[name]) continue;
    const fields = t.fieldsArray.map(fieldOf);
    messages[name] = { fields };
    for (const f of t.fieldsArray) if (f.resolvedType) queue.push(f.resolvedType);
  }
  return { format: WIRE_SCHEMA_FORMAT, messages, enums };
}

/** The table of the Envoy protos Trellis loads (protos.ts). */
export function buildWireSchemaFromProtos(): WireSchema {
  return buildWireSchema(protoRoot());
}
