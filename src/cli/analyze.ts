/**
 * `trellis analyze -f PATH… [-o text|json]`: cross-object checks, with istioctl's codes and JSON
 * shape. Objects that fail validation are reported as IST0106 (schema validation error) and left
 * out of the cross-object checks. Exit 1 when any Error is reported.
 */
import { Command } from 'commander';
import { objectRef } from '../api/resource.js';
import { analyze } from '../config/analyze/index.js';
import type { AnalysisMessage } from '../config/analyze/message.js';
import type { Io } from './main.js';
import { checkFormat, loadInput, withInputOptions, type InputOptions } from './output.js';

export function analyzeCommand(io: Io, setCode: (c: number) => void): Command {
  const cmd = new Command('analyze').description('find problems across objects that per-object validation accepts (istioctl analyze)');
  return withInputOptions(cmd, ['text', 'json'])
    .action((paths: string[], opts: InputOptions) => {
      const format = checkFormat(opts.output, ['text', 'json']);
      const cfg = loadInput(paths, opts, io);
      const messages: AnalysisMessage[] = [];
      for (const f of cfg.failures) {
        messages.push({ code: 'IST0106', level: 'Error', message: `Schema validation error: ${f.field ? f.field + ': ' : ''}${f.message}`, origin: f.object ?? f.file, reference: `${f.file}:${f.line}` });
      }
      for (const o of cfg.objects) {
        for (const p of o.errors) {
          messages.push({ code: 'IST0106', level: 'Error', message: `Schema validation error: ${p.field}: ${p.message}`, origin: objectRef(o.raw), reference: `${o.raw.origin.file}:${p.line ?? o.raw.origin.line}` });
        }
      }
      messages.push(...analyze(cfg.objects.filter((o) => o.valid).map((o) => o.raw)));
      io.out(format === 'json' ? JSON.stringify(messages, null, 2) + '\n' : renderText(messages));
      setCode(messages.some((m) => m.level === 'Error') ? 1 : 0);
    });
}

function renderText(messages: AnalysisMessage[]): string {
  if (messages.length === 0) return '✔ No validation issues found when analyzing the given files.\n';
  return messages.map((m) => `${m.level} [${m.code}] (${m.origin} ${m.reference}) ${m.message}`).join('\n') + '\n';
}
