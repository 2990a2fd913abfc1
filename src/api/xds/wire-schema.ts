/**
 * The compact wire schema: every Envoy message and enum the proxy may have to decode (the four
 * resource types, the discovery messages, google.protobuf.Struct, every Any payload of
 * protos.ts's EXTENSION_FILES, and all they refer to), as a small JSON-able table, so that the
 * proxy decodes xDS without loading protobufjs and the .proto tree.
 *
 * `npm run build` writes the table next to this module's compiled copy (dist/api/xds/
 * wire-schema.json, by scripts/build-wire-schema.mjs; derived from the protos in a dependency,
 * never committed). `loadWireSchema()` reads that file when present; when it is absent (dev runs
 * from src/ under tsx) it builds the table from protoRoot() through a lazy dynamic import of
 * wire-schema-build.ts, so only dev runs pay for protobufjs. This module must not import
 * protobufjs, statically or through another module.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Bumped whenever the table's shape changes; a file of another format is rebuilt instead. */
export const WIRE_SCHEMA_FORMAT = 1;

export type ScalarKind =
  | 'double' | 'float' | 'int32' | 'uint32' | 'sint32' | 'fixed32' | 'sfixed32'
  | 'int64' | 'uint64' | 'sint64' | 'fixed64' | 'sfixed64' | 'bool' | 'string' | 'bytes';

/** One field, as declared in its .proto file. */
export interface WireField {
  /** Field number. */
  id: number;
  /** The name in the .proto file (`cluster_name`). */
  name: string;
  /** The proto3 JSON name (`clusterName`, or the json_name option). */
  json: string;
  /** What `type` names: a scalar kind, or the full name of a message or enum (no leading dot). */
  kind: 'scalar' | 'message' | 'enum';
  type: string;
  repeated?: true;
  /** Repeated scalars written packed (the decoder accepts both forms either way). */
  packed?: true;
  /** A map field: the key's scalar kind; `kind`/`type` describe the value. */
  mapKey?: ScalarKind;
  /** The oneof the field is a member of (proto3 `optional` fields have a synthetic one, `_name`). */
  oneof?: string;
  /** Whether a default value set on the wire is still printed (message, oneof member, optional). */
  presence?: true;
}

export interface WireMessage {
  /** In declaration order (the order proto3 JSON keys come out). */
  fields: WireField[];
}

export interface WireSchema {
  format: number;
  /** By full name without the leading dot (`envoy.config.cluster.v3.Cluster`). */
  messages: Record<string, WireMessage>;
  /** Enum value names by number. */
  enums: Record<string, Record<string, string>>;
}

/** Where `npm run build` writes the table: beside this module (in dist/, never in src/). */
export const WIRE_SCHEMA_FILE = 'wire-schema.json';

function schemaPath(): string {
  return fileURLToPath(new URL(`./${WIRE_SCHEMA_FILE}`, import.meta.url));
}

let loaded: WireSchema | undefined;
let loading: Promise<WireSchema> | undefined;

/** The built table if `npm run build` wrote it (and it has this format), else undefined. */
export function readBuiltWireSchema(path = schemaPath()): WireSchema | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: Partial<WireSchema>;
  try {
    parsed = JSON.parse(text) as Partial<WireSchema>;
  } catch {
    return undefined; // a damaged file: build the table instead
  }
  if (parsed.format !== WIRE_SCHEMA_FORMAT || typeof parsed.messages !== 'object' || typeof parsed.enums !== 'object') return undefined;
  return parsed as WireSchema;
}

/** The schema already loaded, if any (no I/O). */
export function loadedWireSchema(): WireSchema | undefined {
  return loaded;
}

/**
 * The wire schema, loaded once: the built JSON if present, else built from the Envoy protos
 * (dev only; loads protobufjs lazily).
 */
export function loadWireSchema(): Promise<WireSchema> {
  if (loaded) return Promise.resolve(loaded);
  loading ??= (async () => {
    const built = readBuiltWireSchema();
    if (built) return built;
    const { buildWireSchemaFromProtos } = await import('./wire-schema-build.js');
    return buildWireSchemaFromProtos();
  })().then(
    (schema) => (loaded = schema),
    (err: unknown) => {
      loading = undefined; // a later call may try again
      throw err;
    },
  );
  return loading;
}
