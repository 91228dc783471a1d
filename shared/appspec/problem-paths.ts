/**
 * Field paths (`hooks.AfterInstall[0].timeout`) and the problem list that turns them into
 * line numbers. A path without a recorded line (a missing key) takes its nearest ancestor's.
 */
import { MAX_APPSPEC_PROBLEMS, type AppSpecProblem, type ProblemSeverity } from './types.js';

export function childPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

export function itemPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

/** `a.b[2].c` → `a.b[2]` → `a.b` → `a` → ''. */
export function parentPath(path: string): string | undefined {
  if (path === '') return undefined;
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

export function lineFor(lines: Readonly<Record<string, number>> | undefined, path: string): number | undefined {
  if (!lines) return undefined;
  for (let p: string | undefined = path; p !== undefined; p = parentPath(p)) {
    const line = lines[p];
    if (line !== undefined) return line;
  }
  return undefined;
}

export class ProblemList {
  readonly items: AppSpecProblem[] = [];
  private dropped = 0;
  private droppedErrors = false;

  constructor(private readonly lines?: Readonly<Record<string, number>>) {}

  add(path: string, message: string, severity?: ProblemSeverity): void {
    // Past the cap only the count grows: a hostile appspec must not make a megabyte of problems.
    if (this.items.length >= MAX_APPSPEC_PROBLEMS) {
      this.dropped++;
      if (severity !== 'warning') this.droppedErrors = true;
      const last = this.items[this.items.length - 1];
      if (last?.path === '' && last.message.startsWith('…and ')) this.items.pop();
      this.items.push({
        path: '',
        message: `…and ${this.dropped} more problem(s) not listed`,
        ...(this.droppedErrors ? {} : { severity: 'warning' as const }),
      });
      return;
    }
    const problem: AppSpecProblem = { path, message };
    const line = lineFor(this.lines, path);
    if (line !== undefined) problem.line = line;
    if (severity === 'warning') problem.severity = 'warning';
    this.items.push(problem);
  }

  get hasErrors(): boolean {
    return this.droppedErrors || this.items.some((p) => p.severity !== 'warning');
  }
}
