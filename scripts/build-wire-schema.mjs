#!/usr/bin/env node
// Writes wire-schema.json, the compact wire schema the proxy decodes xDS with
// (src/api/xds/wire-schema.ts), from the Envoy protos in @grpc/grpc-js-xds, next to the compiled
// api/xds modules: dist/api/xds/ by default, or the directory given (a bench build of src/).
// Run by `npm run build` after tsc; the file is derived from a dependency and never committed.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = process.argv[2] ? pathToFileURL(`${process.argv[2].replace(/\/$/, '')}/`) : new URL('../dist/api/xds/', import.meta.url);
const { buildWireSchemaFromProtos } = await import(new URL('wire-schema-build.js', dist).href);
const { WIRE_SCHEMA_FILE } = await import(new URL('wire-schema.js', dist).href);
const schema = buildWireSchemaFromProtos();
const out = fileURLToPath(new URL(WIRE_SCHEMA_FILE, dist));
writeFileSync(out, `${JSON.stringify(schema)}\n`);
console.log(`wire schema: ${Object.keys(schema.messages).length} messages, ${Object.keys(schema.enums).length} enums → ${out}`);
