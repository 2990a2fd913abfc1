/**
 * A small, test-only renderer for the Go `text/template` files in Istio's sample configs
 * (../shared/conformance/istio-samples; see its SOURCES.md). It covers exactly what those files
 * use: `{{ .Var }}`, `{{ $.Var }}`, `{{ $i }}`, `{{- range $i := until N }}…{{- end }}`,
 * `{{ if X }}…{{ else }}…{{ end }}`, `not`, sprig's `until`, `div`, `mod` and `default`
 * (also as a pipeline stage: `{{ .X | default "y" }}`), string and number literals, and the
 * whitespace trimming markers `{{-` and `-}}`. Anything else throws, so a new construct in the
 * data shows up as a test failure rather than as silently wrong output.
 *
 * It is not a general Go template engine and must not be used outside tests.
 */

export type TemplateValue = string | number | boolean | null | undefined | TemplateValue[] | { [k: string]: TemplateValue };
export type TemplateData = Record<string, TemplateValue>;

type Node =
  | { t: 'text'; text: string }
  | { t: 'out'; expr: string }
  | { t: 'range'; varName: string | undefined; expr: string; body: Node[]; elseBody: Node[] }
  | { t: 'if'; expr: string; body: Node[]; elseBody: Node[] };

interface Token {
  kind: 'text' | 'action';
  text: string;
}

/** True when the text looks like a Go template (has an action). */
export function isGoTemplate(text: string): boolean {
  return /\{\{[\s\S]*?\}\}/.test(text);
}

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ kind: 'text', text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open + 2);
    if (close < 0) throw new Error(`unterminated action at offset ${open}`);
    let inner = src.slice(open + 2, close);
    let next = close + 2;
    // `{{- ` trims whitespace before the action; ` -}}` trims whitespace after it.
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      while (next < src.length && /\s/.test(src[next]!)) next++;
    }
    if (text) out.push({ kind: 'text', text });
    out.push({ kind: 'action', text: inner.trim() });
    i = next;
  }
  return out;
}

function parse(tokens: Token[]): Node[] {
  let pos = 0;
  function block(stopAt: ReadonlySet<string>): { nodes: Node[]; stop: string } {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos++]!;
      if (tok.kind === 'text') {
        nodes.push({ t: 'text', text: tok.text });
        continue;
      }
      const a = tok.text;
      if (a.startsWith('/*')) continue; // comment
      const word = a.split(/\s+/)[0]!;
      if (stopAt.has(word)) return { nodes, stop: word };
      if (word === 'range') {
        const m = /^range\s+(?:(\$\w+)\s*:=\s*)?(.+)$/.exec(a);
        if (!m) throw new Error(`unsupported range: {{${a}}}`);
        const body = block(new Set(['end', 'else']));
        const elseBody = body.stop === 'else' ? block(new Set(['end'])).nodes : [];
        nodes.push({ t: 'range', varName: m[1], expr: m[2]!, body: body.nodes, elseBody });
      } else if (word === 'if') {
        const body = block(new Set(['end', 'else']));
        const elseBody = body.stop === 'else' ? block(new Set(['end'])).nodes : [];
        nodes.push({ t: 'if', expr: a.slice(2).trim(), body: body.nodes, elseBody });
      } else if (word === 'end' || word === 'else') {
        throw new Error(`unexpected {{${a}}}`);
      } else {
        nodes.push({ t: 'out', expr: a });
      }
    }
    if (stopAt.size > 0) throw new Error(`missing {{end}}`);
    return { nodes, stop: '' };
  }
  return block(new Set()).nodes;
}

/** Splits an expression into words, keeping quoted strings and parenthesised groups whole. */
function words(expr: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '"') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== '"') j += expr[j] === '\\' ? 2 : 1;
      out.push(expr.slice(i, j + 1));
      i = j + 1;
    } else if (c === '(') {
      let depth = 0;
      let j = i;
      for (; j < expr.length; j++) {
        if (expr[j] === '(') depth++;
        else if (expr[j] === ')' && --depth === 0) break;
      }
      out.push(expr.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < expr.length && !/\s/.test(expr[j]!)) j++;
      out.push(expr.slice(i, j));
      i = j;
    }
  }
  return out;
}

function isEmpty(v: TemplateValue): boolean {
  return v === undefined || v === null || v === false || v === 0 || v === '' ||
    (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0);
}

function num(v: TemplateValue, what: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw new Error(`${what}: expected an integer, got ${JSON.stringify(v)}`);
  return n;
}

type Scope = { dot: TemplateValue; root: TemplateData; vars: Record<string, TemplateValue> };

function field(base: TemplateValue, path: string): TemplateValue {
  let v = base;
  for (const key of path.split('.').filter(Boolean)) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, TemplateValue>)[key];
  }
  return v;
}

function operand(w: string, s: Scope): TemplateValue {
  if (w.startsWith('(') && w.endsWith(')')) return pipeline(w.slice(1, -1), s);
  if (w.startsWith('"')) return JSON.parse(w) as string;
  if (/^-?\d+$/.test(w)) return Number(w);
  if (w === 'true' || w === 'false') return w === 'true';
  if (w === '.') return s.dot;
  if (w.startsWith('$.')) return field(s.root, w.slice(2));
  if (w === '$') return s.root;
  if (w.startsWith('$')) {
    const dot = w.indexOf('.');
    const name = dot < 0 ? w : w.slice(0, dot);
    if (!(name in s.vars)) throw new Error(`undefined variable ${name}`);
    return dot < 0 ? s.vars[name] : field(s.vars[name], w.slice(dot + 1));
  }
  if (w.startsWith('.')) return field(s.dot, w.slice(1));
  throw new Error(`unsupported operand ${w}`);
}

const FUNCS: Record<string, (args: TemplateValue[]) => TemplateValue> = {
  until: ([n]) => Array.from({ length: Math.max(0, num(n, 'until')) }, (_, i) => i),
  div: ([a, b]) => Math.trunc(num(a, 'div') / num(b, 'div')),
  mod: ([a, b]) => num(a, 'mod') % num(b, 'mod'),
  not: ([a]) => isEmpty(a),
  // sprig: default DEFAULT GIVEN → GIVEN unless it is empty.
  default: ([d, given]) => (isEmpty(given) ? d : given),
};

function command(expr: string, s: Scope, piped?: { value: TemplateValue }): TemplateValue {
  const ws = words(expr);
  if (ws.length === 0) throw new Error('empty command');
  const fn = FUNCS[ws[0]!];
  if (fn) {
    const args = ws.slice(1).map((w) => operand(w, s));
    if (piped) args.push(piped.value);
    return fn(args);
  }
  if (ws.length !== 1 || piped) throw new Error(`unsupported command: ${expr}`);
  return operand(ws[0]!, s);
}

function pipeline(expr: string, s: Scope): TemplateValue {
  const stages = expr.split('|').map((x) => x.trim());
  let value = command(stages[0]!, s);
  for (const st of stages.slice(1)) value = command(st, s, { value });
  return value;
}

function show(v: TemplateValue): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function exec(nodes: Node[], s: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.t) {
      case 'text': out.push(n.text); break;
      case 'out': out.push(show(pipeline(n.expr, s))); break;
      case 'if': exec(isEmpty(pipeline(n.expr, s)) ? n.elseBody : n.body, s, out); break;
      case 'range': {
        const list = pipeline(n.expr, s);
        const items = Array.isArray(list) ? list : [];
        if (items.length === 0) { exec(n.elseBody, s, out); break; }
        for (const item of items) {
          const vars = { ...s.vars };
          if (n.varName) vars[n.varName] = item;
          exec(n.body, { dot: item, root: s.root, vars }, out);
        }
        break;
      }
    }
  }
}

/** Renders a Go template with `data` as `.` (and `$`). Throws on anything it does not support. */
export function renderGoTemplate(src: string, data: TemplateData): string {
  const out: string[] = [];
  exec(parse(tokenize(src)), { dot: data, root: data, vars: {} }, out);
  return out.join('');
}
