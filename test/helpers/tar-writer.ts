/**
 * A minimal ustar writer for tests that need archives no well-behaved tool would produce
 * (absolute names, "..", escaping links, devices). Names up to 100 bytes; no pax headers.
 */
import { gzipSync } from 'node:zlib';

export type TarEntrySpec =
  | { name: string; type: 'file'; content?: string | Buffer; mode?: number }
  | { name: string; type: 'dir'; mode?: number }
  | { name: string; type: 'symlink' | 'hardlink'; target: string }
  | { name: string; type: 'chardev' | 'fifo' };

const TYPE_FLAGS = { file: '0', hardlink: '1', symlink: '2', chardev: '3', dir: '5', fifo: '6' } as const;

export function tarArchive(entries: readonly TarEntrySpec[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = entry.type === 'file' ? Buffer.from(entry.content ?? '') : Buffer.alloc(0);
    const mode = 'mode' in entry && entry.mode !== undefined ? entry.mode : entry.type === 'dir' ? 0o755 : 0o644;
    const target = entry.type === 'symlink' || entry.type === 'hardlink' ? entry.target : '';
    blocks.push(header(entry.name, mode, body.length, TYPE_FLAGS[entry.type], target));
    if (body.length > 0) blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export function tgzArchive(entries: readonly TarEntrySpec[]): Buffer {
  return gzipSync(tarArchive(entries));
}

function header(name: string, mode: number, size: number, typeflag: string, linkname: string): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'latin1');
  h.write(octal(0, 8), 108, 'latin1');
  h.write(octal(0, 8), 116, 'latin1');
  h.write(octal(size, 12), 124, 'latin1');
  h.write(octal(Math.floor(Date.now() / 1000), 12), 136, 'latin1');
  h.write('        ', 148, 'latin1');
  h.write(typeflag, 156, 'latin1');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 'latin1');
  return h;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\u0000`;
}
