/**
 * Parses YAML or JSON text into config objects that remember their file and line.
 *
 * Handles multi-document YAML and kubectl `List`s. Each document becomes a `RawObject` (its
 * envelope read, its spec left raw for validation), a `Skipped` entry (a kind Trellis does not
 * handle) or a `ParseFailure` (bad YAML, or no apiVersion/kind/name). It never throws on bad
 * input. Field-to-line lookups walk the YAML node tree lazily, only when a problem is reported.
 */
import { LineCounter, isMap, isSeq, isScalar, isPair, visit, Scalar, type Document, type Node } from 'yaml';
import type { ObjectMeta, RawObject } from '../api/resource.js';
import { apiGroup, groupOf, isKnownKind } from '../api/resource.js';
import { composeDocuments } from './yaml-docs.js';

export interface Skipped {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  file: string;
  line: number;
  reason: string;
}

export interface ParseFailure {
  file: string;
  line: number;
  /** `Kind namespace/name` when the envelope could be read that far. */
  object?: string;
  field: string;
  message: string;
}

export interface ParseResult {
  objects: RawObject[];
  skipped: Skipped[];
  failures: ParseFailure[];
}

export interface ParseOptions {
  /** Namespace for objects without `metadata.namespace` (`-n`, else `default`). */
  defaultNamespace?: string;
}

type Seg = string | number;

function childNode(node: unknown, seg: Seg): Node | undefined {
  if (isMap(node)) {
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === String(seg)) {
        return (item.value ?? item.key) as Node;
      }
    }
    return undefined;
  }
  if (isSeq(node) && typeof seg === 'number') return node.items[seg] as Node | undefined;
  return undefined;
}

function makeLineOf(root: Node | null | undefined, lc: LineCounter, fallback: number) {
  return (path: readonly Seg[]): number => {
    let node: Node | undefined = root ?? undefined;
    let line = fallback;
    for (const seg of path) {
      const next = childNode(node, seg);
      if (!next) break;
      node = next;
      if (node.range) line = lc.linePos(node.range[0]).line;
    }
    // For a map-valued field, report the line of its key rather than its first child.
    return line;
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  }
  return out;
}

const CLUSTER_SCOPED = new Set(['Namespace']);

export function parseText(file: string, text: string, opts: ParseOptions = {}): ParseResult {
  const defaultNs = opts.defaultNamespace || 'default';
  const res: ParseResult = { objects: [], skipped: [], failures: [] };
  const lc = new LineCounter();
  let docs;
  try {
    docs = composeDocuments(text, lc, (kind) => kind !== 'List' && !isKnownKind(kind), (d) => {
      res.skipped.push({ apiVersion: d.apiVersion ?? '', kind: d.kind, namespace: d.namespace || defaultNs, name: d.name ?? '', file, line: d.line, reason: `kind ${d.kind} is not handled by Trellis` });
    });
  } catch (e) {
    res.failures.push({ file, line: 1, field: '', message: `cannot parse: ${(e as Error).message}` });
    return res;
  }
  const hasFlowColon = FLOW_COLON.test(text);
  for (const doc of docs) {
    const startLine = doc.contents?.range ? lc.linePos(doc.contents.range[0]).line : 1;
    if (doc.errors.length > 0) {
      for (const err of doc.errors) {
        const line = err.pos ? lc.linePos(err.pos[0]).line : startLine;
        res.failures.push({ file, line, field: '', message: `YAML syntax error: ${err.message.split('\n')[0]}` });
      }
      continue;
    }
    if (hasFlowColon) readFlowScalarsLikeGo(doc, text);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      res.failures.push({ file, line: startLine, field: '', message: `cannot read document: ${(e as Error).message}` });
      continue;
    }
    if (value === null || value === undefined) continue; // empty document
    const lineOf = makeLineOf(doc.contents, lc, startLine);
    if (value && typeof value === 'object' && !Array.isArray(value) && (value as { kind?: unknown }).kind === 'List') {
      const items = (value as { items?: unknown }).items;
      if (!Array.isArray(items)) {
        res.failures.push({ file, line: startLine, field: 'items', message: 'a List must have an `items` array' });
        continue;
      }
      items.forEach((item, i) => {
        const itemLineOf = (p: readonly Seg[]) => lineOf(['items', i, ...p]);
        addObject(res, file, item, itemLineOf, itemLineOf([]), defaultNs, `items[${i}].`);
      });
      continue;
    }
    addObject(res, file, value, lineOf, startLine, defaultNs, '');
  }
  return res;
}

function addObject(
  res: ParseResult,
  file: string,
  value: unknown,
  lineOf: (p: readonly Seg[]) => number,
  line: number,
  defaultNs: string,
  prefix: string,
): void {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    res.failures.push({ file, line, field: prefix.replace(/\.$/, ''), message: 'a config document must be a mapping with apiVersion, kind and metadata' });
    return;
  }
  const body = value as Record<string, unknown>;
  const kind = str(body.kind);
  const apiVersion = str(body.apiVersion);
  const md = body.metadata && typeof body.metadata === 'object' && !Array.isArray(body.metadata)
    ? (body.metadata as Record<string, unknown>) : undefined;
  const name = str(md?.name) ?? str(md?.generateName) ?? '';
  if (!kind) {
    res.failures.push({ file, line, field: `${prefix}kind`, message: 'kind is required (e.g. VirtualService, DestinationRule, Service)' });
    return;
  }
  const explicitNs = str(md?.namespace);
  const namespace = CLUSTER_SCOPED.has(kind) ? '' : explicitNs || defaultNs;
  if (!isKnownKind(kind)) {
    res.skipped.push({ apiVersion: apiVersion ?? '', kind, namespace, name, file, line, reason: `kind ${kind} is not handled by Trellis` });
    return;
  }
  // Same kind name in another API group (e.g. the Kubernetes Gateway API's Gateway): not ours.
  if (apiVersion && apiGroup(apiVersion) !== groupOf(kind)) {
    res.skipped.push({ apiVersion, kind, namespace, name, file, line, reason: `${kind} of API group ${apiGroup(apiVersion) || 'core'} is not handled by Trellis (only ${groupOf(kind) || 'core'} ${kind})` });
    return;
  }
  const metadata: ObjectMeta = { name, namespace, labels: strMap(md?.labels), annotations: strMap(md?.annotations) };
  res.objects.push({ apiVersion: apiVersion ?? '', kind, metadata, body, origin: { file, line }, lineOf });
}

const FLOW_COLON = /:[,\]]/;

/**
 * kubectl's YAML reader (go-yaml) reads `[1.2.3.4, 001:db8::]` as two strings: inside a flow
 * sequence, a ':' followed directly by ',' or ']' does not end a plain scalar. The `yaml` package
 * reads an implicit one-pair map instead; turn those back into the string kubectl would see.
 */
function readFlowScalarsLikeGo(doc: Document.Parsed, text: string): void {
  visit(doc, {
    Seq(_, seq) {
      if (!seq.flow) return;
      seq.items.forEach((item, i) => {
        if (!isMap(item) || item.items.length !== 1) return;
        const { key, value } = item.items[0]!;
        if (!isScalar(key) || key.type !== 'PLAIN' || !key.range || !isScalar(value) || value.source !== '') return;
        const end = key.range[1];
        if (text[end] === ':' && (text[end + 1] === ',' || text[end + 1] === ']')) {
          const s = new Scalar(`${String(key.source)}:`);
          s.range = [key.range[0], end + 1, end + 1];
          seq.items[i] = s;
        }
      });
    },
  });
}
