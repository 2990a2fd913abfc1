/**
 * The admin `/memory` page: Envoy's admin.v3.Memory fields, mapped onto what a Node process
 * has (Envoy reads them from tcmalloc): `allocated` is the V8 heap in use plus memory held
 * outside it (Buffers), `heap_size` the V8 heap reserved, `total_physical_bytes` the resident
 * set. Trellis adds the resident set split into private memory (`rss_anon`) and pages mapped
 * from files (`rss_file`, mostly the node binary, shared with every other node process), and
 * each V8 heap space, so a memory figure can be traced to where it sits. Reads /proc when it is
 * there (Linux); elsewhere those two fields are omitted.
 */
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

export interface MemoryReport {
  allocated: string;
  heap_size: string;
  pageheap_unmapped: string;
  pageheap_free: string;
  total_thread_cache: string;
  total_physical_bytes: string;
  rss_anon?: string;
  rss_file?: string;
  external: string;
  array_buffers: string;
  heap_spaces: Record<string, { size: string; used: string }>;
}

/** `VmRSS`-style fields of /proc/self/status, in bytes; empty when unreadable. */
export function procStatus(text?: string): Record<string, number> {
  let t = text;
  if (t === undefined) {
    try { t = readFileSync('/proc/self/status', 'utf8'); } catch { return {}; }
  }
  const out: Record<string, number> = {};
  for (const line of t.split('\n')) {
    const m = /^(\w+):\s+(\d+) kB$/.exec(line);
    if (m) out[m[1]!] = Number(m[2]) * 1024;
  }
  return out;
}

export function memoryReport(): MemoryReport {
  const m = process.memoryUsage();
  const st = procStatus();
  const spaces: MemoryReport['heap_spaces'] = {};
  for (const s of getHeapSpaceStatistics()) spaces[s.space_name] = { size: String(s.space_size), used: String(s.space_used_size) };
  // Envoy prints these uint64s as JSON strings (proto3 JSON of uint64).
  return {
    allocated: String(m.heapUsed + m.external),
    heap_size: String(m.heapTotal),
    pageheap_unmapped: '0',
    pageheap_free: String(Math.max(0, m.heapTotal - m.heapUsed)),
    total_thread_cache: '0',
    total_physical_bytes: String(m.rss),
    ...(st['RssAnon'] !== undefined ? { rss_anon: String(st['RssAnon']) } : {}),
    ...(st['RssFile'] !== undefined ? { rss_file: String(st['RssFile']) } : {}),
    external: String(m.external),
    array_buffers: String(m.arrayBuffers),
    heap_spaces: spaces,
  };
}
