/**
 * Where a process's file-backed resident pages come from: for each mapping of its executable,
 * the pages present in memory (/proc/PID/pagemap, bit 63) are attributed to the ELF section
 * holding their file offset (`.text`, `.rodata`, `.dynstr`, …). Used by the proxy benchmark to
 * show how much of a Node process's RSS is the `node` binary itself (shared with every other
 * node process on the machine) rather than memory the proxy allocated. Linux only; needs read
 * access to /proc/PID/pagemap (root, or the process's owner). Returns undefined when unreadable.
 */
import { closeSync, openSync, readFileSync, readSync, readlinkSync } from 'node:fs';

interface Section { name: string; offset: number; size: number }

/** Section headers of an ELF64 little-endian file with file contents (SHT_NOBITS skipped). */
export function elfSections(path: string): Section[] {
  const b = readFileSync(path);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2 || b[5] !== 1) throw new Error(`${path}: not a 64-bit little-endian ELF file`);
  const shoff = Number(b.readBigUInt64LE(0x28));
  const shentsize = b.readUInt16LE(0x3a);
  const shnum = b.readUInt16LE(0x3c);
  const shstrndx = b.readUInt16LE(0x3e);
  const hdr = (i: number) => shoff + i * shentsize;
  const strOff = Number(b.readBigUInt64LE(hdr(shstrndx) + 0x18));
  const out: Section[] = [];
  for (let i = 1; i < shnum; i++) {
    const h = hdr(i);
    const type = b.readUInt32LE(h + 4);
    const flags = Number(b.readBigUInt64LE(h + 8));
    if (type === 8 /* NOBITS */ || (flags & 2) === 0 /* not SHF_ALLOC */) continue;
    const nameAt = strOff + b.readUInt32LE(h);
    const name = b.toString('latin1', nameAt, b.indexOf(0, nameAt));
    out.push({ name, offset: Number(b.readBigUInt64LE(h + 0x18)), size: Number(b.readBigUInt64LE(h + 0x20)) });
  }
  return out;
}

const PAGE = 4096;

/** Resident bytes of `pid`'s executable mappings by ELF section, largest first. */
export function residentSections(pid: number): { exe: string; total: number; sections: [string, number][] } | undefined {
  let fd = -1;
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`);
    const sections = elfSections(exe);
    const bytes = new Map<string, number>();
    fd = openSync(`/proc/${pid}/pagemap`, 'r');
    const entry = Buffer.alloc(8 * 512);
    for (const line of readFileSync(`/proc/${pid}/maps`, 'latin1').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f.length < 6 || f[5] !== exe) continue;
      const [lo, hi] = f[0]!.split('-').map((x) => parseInt(x, 16)) as [number, number];
      const fileOff = parseInt(f[2]!, 16);
      for (let va = lo; va < hi; va += PAGE * 512) {
        const pages = Math.min(512, (hi - va) / PAGE);
        readSync(fd, entry, 0, pages * 8, (va / PAGE) * 8);
        for (let i = 0; i < pages; i++) {
          if ((entry.readUInt32LE(i * 8 + 4) & 0x80000000) === 0) continue;
          const off = fileOff + (va - lo) + i * PAGE;
          const s = sections.find((x) => off >= x.offset && off < x.offset + x.size);
          const name = s?.name ?? '(headers)';
          bytes.set(name, (bytes.get(name) ?? 0) + PAGE);
        }
      }
    }
    const list = [...bytes].sort((a, b) => b[1] - a[1]);
    return { exe, total: list.reduce((t, [, n]) => t + n, 0), sections: list };
  } catch {
    return undefined;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
