/**
 * Archives no honest tool writes, for the hostile-bundle tests: a pax header that renames an
 * entry, a zip whose directory understates what its data inflates to, and archives of very many
 * tiny entries (a zip past 65,535 entries needs the zip64 end records, written here).
 */
import { gzipSync } from 'node:zlib';
import { tarArchive, type TarEntrySpec } from './tar-writer.js';
import { zipArchive, type ZipEntrySpec } from './zip-writer.js';

/** A ustar file entry whose real name comes from a preceding pax ('x') header, as GNU/bsdtar write long names. */
export function paxRenamedTar(headerName: string, paxPath: string, content = 'x'): Buffer {
  return paxNamedTar([paxPath], headerName, content);
}

/** One file per name, each named by a pax header (so names may be any length), after an appspec. */
export function paxNamedTar(names: readonly string[], headerName = 'short', content = 'x'): Buffer {
  const record = (key: string, value: string): string => {
    const body = ` ${key}=${value}\n`;
    let length = body.length + 1;
    while (String(length).length + body.length !== length) length = String(length).length + body.length;
    return `${length}${body}`;
  };
  const entries: TarEntrySpec[] = [];
  for (const name of names) {
    entries.push({ name: 'PaxHeaders/entry', type: 'file', content: Buffer.from(record('path', name)) });
    entries.push({ name: headerName, type: 'file', content });
  }
  const archive = tarArchive(entries);
  // The tar writer cannot emit type 'x': every other header is flipped to it, checksum redone.
  for (let at = 0, i = 0; i < entries.length; i++) {
    const size = parseInt(archive.toString('latin1', at + 124, at + 135), 8);
    if (i % 2 === 0) {
      archive.write('x', at + 156, 'latin1');
      archive.write('        ', at + 148, 'latin1');
      let sum = 0;
      for (const byte of archive.subarray(at, at + 512)) sum += byte;
      archive.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, at + 148, 'latin1');
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return archive;
}

/**
 * A one-entry deflated zip whose local header and central directory both claim `claimedSize`
 * bytes while the data inflates to `content.length`: the bomb that lies about itself.
 */
export function lyingZip(name: string, content: Buffer, claimedSize: number): Buffer {
  const zip = zipArchive([{ name, content, deflate: true }]);
  zip.writeUInt32LE(claimedSize, 22); // local header: uncompressed size
  const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt32LE(claimedSize, central + 24); // central directory: uncompressed size
  return zip;
}

/** `count` empty files (`f<i>`) after an appspec, as tar. */
export function tinyEntriesTar(count: number, gzip: boolean): Buffer {
  const entries: TarEntrySpec[] = [{ name: 'appspec.yml', type: 'file', content: 'version: 0.0\nos: linux\n' }];
  for (let i = 0; i < count; i++) entries.push({ name: `f${i}`, type: 'file' });
  const tar = tarArchive(entries);
  return gzip ? gzipSync(tar, { level: 1 }) : tar;
}

/** `count` one-byte files after an appspec, as zip; zip64 end records when there are more than 65,535. */
export function tinyEntriesZip(count: number): Buffer {
  const entries: ZipEntrySpec[] = [{ name: 'appspec.yml', content: 'version: 0.0\nos: linux\n' }];
  for (let i = 0; i < count; i++) entries.push({ name: `f${i}`, content: 'x' });
  if (entries.length <= 0xffff) return zipArchive(entries);
  // Written in chunks the plain writer can count, then the end record replaced by zip64's.
  const chunks: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (let start = 0; start < entries.length; start += 0xffff) {
    const part = zipArchive(entries.slice(start, start + 0xffff));
    const end = part.length - 22;
    const cdSize = part.readUInt32LE(end + 12);
    const cdOffset = part.readUInt32LE(end + 16);
    const central = Buffer.from(part.subarray(cdOffset, cdOffset + cdSize));
    // Each central record's local-header offset moves by what came before this chunk.
    for (let at = 0; at < central.length; ) {
      central.writeUInt32LE(central.readUInt32LE(at + 42) + offset, at + 42);
      at += 46 + central.readUInt16LE(at + 28) + central.readUInt16LE(at + 30) + central.readUInt16LE(at + 32);
    }
    chunks.push(part.subarray(0, cdOffset));
    centrals.push(central);
    offset += cdOffset;
  }
  const centralDir = Buffer.concat(centrals);
  const zip64End = Buffer.alloc(56);
  zip64End.writeUInt32LE(0x06064b50, 0);
  zip64End.writeBigUInt64LE(44n, 4);
  zip64End.writeUInt16LE(45, 12);
  zip64End.writeUInt16LE(45, 14);
  zip64End.writeBigUInt64LE(BigInt(entries.length), 24);
  zip64End.writeBigUInt64LE(BigInt(entries.length), 32);
  zip64End.writeBigUInt64LE(BigInt(centralDir.length), 40);
  zip64End.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + centralDir.length), 8);
  locator.writeUInt32LE(1, 16);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0xffff, 8);
  end.writeUInt16LE(0xffff, 10);
  end.writeUInt32LE(0xffffffff, 12);
  end.writeUInt32LE(0xffffffff, 16);
  return Buffer.concat([...chunks, centralDir, zip64End, locator, end]);
}
