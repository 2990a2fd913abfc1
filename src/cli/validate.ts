/**
 * `trellis validate -f PATH… [-n NS] [-o text|json]`: per-object validation as Istio's webhook
 * does it. Exit 0 when every object is valid, 1 when any is invalid (or a document cannot be
 * parsed), 2 on a usage error or unreadable input.
 */
import { Command } from 'commander';
import { objectRef } from '../api/resource.js';
import type { LoadedConfig } from '../config/load.js';
import type { Io } from './main.js';
import { checkFormat, loadInput, withInputOptions, type InputOptions } from './output.js';

export function validateCommand(io: Io, setCode: (c: number) => void): Command {
  const cmd = new Command('validate').description('validate Istio and Kubernetes config files as Istio\'s admission webhook would');
  return withInputOptions(cmd, ['text', 'json'])
    .action((paths: string[], opts: InputOptions) => {
      const format = checkFormat(opts.output, ['text', 'json']);
      const cfg = loadInput(paths, opts, io);
      io.out(format === 'json' ? renderJson(cfg) : renderText(cfg));
      const invalid = cfg.failures.length > 0 || cfg.objects.some((o) => !o.valid);
      setCode(invalid ? 1 : 0);
    });
}

export function renderJson(cfg: LoadedConfig): string {
  const objects: unknown[] = cfg.objects.map((o) => ({
    apiVersion: o.raw.apiVersion,
    kind: o.raw.kind,
    namespace: o.raw.metadata.namespace,
    name: o.raw.metadata.name,
    file: o.raw.origin.file,
    line: o.raw.origin.line,
    valid: o.valid,
    errors: o.errors.map((p) => ({ field: p.field, message: p.message, line: p.line })),
    warnings: o.warnings.map((p) => ({ field: p.field, message: p.message, line: p.line })),
  }));
  for (const f of cfg.failures) {
    objects.push({
      apiVersion: null, kind: null, namespace: null, name: null, file: f.file, line: f.line, valid: false,
      errors: [{ field: f.field, message: f.message, line: f.line }], warnings: [],
    });
  }
  const skipped = cfg.skipped.map((s) => ({ apiVersion: s.apiVersion, kind: s.kind, namespace: s.namespace, name: s.name, file: s.file, line: s.line, reason: s.reason }));
  return JSON.stringify({ objects, skipped }, null, 2) + '\n';
}

export function renderText(cfg: LoadedConfig): string {
  const byFile = new Map<string, string[]>();
  const add = (file: string, line: string) => {
    let l = byFile.get(file);
    if (!l) byFile.set(file, (l = []));
    l.push(line);
  };
  for (const f of cfg.failures) add(f.file, `${f.file}:${f.line}: error: ${f.object ? f.object + ': ' : ''}${f.field ? f.field + ': ' : ''}${f.message}`);
  let errors = cfg.failures.length;
  let warnings = 0;
  for (const o of cfg.objects) {
    const ref = objectRef(o.raw);
    for (const p of o.errors) { errors++; add(o.raw.origin.file, `${o.raw.origin.file}:${p.line ?? o.raw.origin.line}: error: ${ref}: ${p.field || '(object)'}: ${p.message}`); }
    for (const p of o.warnings) { warnings++; add(o.raw.origin.file, `${o.raw.origin.file}:${p.line ?? o.raw.origin.line}: warning: ${ref}: ${p.field || '(object)'}: ${p.message}`); }
  }
  for (const s of cfg.skipped) add(s.file, `${s.file}:${s.line}: skipped: ${s.kind} ${s.namespace ? s.namespace + '/' : ''}${s.name} (${s.reason})`);
  let text = '';
  for (const [file, lines] of byFile) text += `${file}\n${lines.map((l) => '  ' + l).join('\n')}\n`;
  const invalid = cfg.objects.filter((o) => !o.valid).length + cfg.failures.length;
  const valid = cfg.objects.length - cfg.objects.filter((o) => !o.valid).length;
  text += `${valid + invalid} object(s): ${valid} valid, ${invalid} invalid; ${errors} error(s), ${warnings} warning(s)` +
    `${cfg.skipped.length ? `; ${cfg.skipped.length} skipped (kinds Trellis does not handle)` : ''}\n`;
  return text;
}
