/**
 * Cuts a byte stream into lines: UTF-8 decoded across chunk boundaries, "\r\n" and "\n" both end
 * a line, an unterminated last line comes out at flush(), and a line that never ends is cut at
 * maxLineChars so a script printing without newlines cannot grow memory without bound.
 */
import { StringDecoder } from 'node:string_decoder';

export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineChars = 64 * 1024,
  ) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
    let newline: number;
    while ((newline = this.pending.indexOf('\n')) !== -1) {
      this.emit(stripCr(this.pending.slice(0, newline)));
      this.pending = this.pending.slice(newline + 1);
    }
    while (this.pending.length > this.maxLineChars) {
      this.emit(this.pending.slice(0, this.maxLineChars));
      this.pending = this.pending.slice(this.maxLineChars);
    }
  }

  flush(): void {
    this.pending += this.decoder.end();
    if (this.pending !== '') this.emit(stripCr(this.pending));
    this.pending = '';
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
