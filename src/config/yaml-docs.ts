/**
 * Splits YAML text into composed documents, skipping the composition of documents whose `kind`
 * Trellis does not handle (CRDs, Secrets, …): their envelope is read straight from the parser's
 * concrete syntax tree, which is several times cheaper than building the document. Handled kinds,
 * Lists and anything whose envelope cannot be read that way are composed as usual, so their
 * errors and positions are exact.
 */
import { CST, Composer, LineCounter, Parser, type Document } from 'yaml';

export interface Envelope {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

export interface ForeignDocument extends Envelope {
  kind: string;
  /** 1-based line where the document's content starts. */
  line: number;
}

type Token = CST.Token;

function scalarText(tok: Token | undefined): string | undefined {
  if (!tok) return undefined;
  if (tok.type !== 'scalar' && tok.type !== 'single-quoted-scalar' && tok.type !== 'double-quoted-scalar') return undefined;
  const r = CST.resolveAsScalar(tok);
  return r && r.value !== undefined ? String(r.value) : undefined;
}

/** Top-level `key: value` pairs of a block or flow map, by key (values as raw tokens). */
function blockMapEntries(tok: Token | undefined): Map<string, Token | undefined> | undefined {
  if (!tok) return undefined;
  if (tok.type !== 'block-map' && !(tok.type === 'flow-collection' && tok.start.source === '{')) return undefined;
  const out = new Map<string, Token | undefined>();
  for (const item of tok.items) {
    const key = scalarText(item.key ?? undefined);
    if (key !== undefined) out.set(key, item.value);
  }
  return out;
}

export function readEnvelope(doc: CST.Document): Envelope | undefined {
  const top = blockMapEntries(doc.value);
  if (!top) return undefined;
  const md = blockMapEntries(top.get('metadata'));
  return {
    apiVersion: scalarText(top.get('apiVersion')),
    kind: scalarText(top.get('kind')),
    name: md ? scalarText(md.get('name')) : undefined,
    namespace: md ? scalarText(md.get('namespace')) : undefined,
  };
}

/**
 * Parses `text` into documents. `isForeign(kind)` says which kinds to skip; each skipped
 * document is passed to `onForeign` instead of being composed.
 */
export function composeDocuments(
  text: string,
  lc: LineCounter,
  isForeign: (kind: string) => boolean,
  onForeign: (d: ForeignDocument) => void,
): Document.Parsed[] {
  const docs: Document.Parsed[] = [];
  const composer = new Composer({ uniqueKeys: true, prettyErrors: false });
  let skipping = false;
  for (const tok of new Parser(lc.addNewLine).parse(text)) {
    if (tok.type === 'document') {
      const env = readEnvelope(tok);
      skipping = false;
      if (env?.kind && isForeign(env.kind)) {
        const start = tok.value && 'offset' in tok.value ? tok.value.offset : tok.offset;
        onForeign({ ...env, kind: env.kind, line: lc.linePos(start).line });
        skipping = true;
        continue;
      }
    } else if (skipping && tok.type === 'doc-end') {
      continue;
    }
    for (const d of composer.next(tok)) docs.push(d);
  }
  for (const d of composer.end()) docs.push(d);
  return docs;
}
