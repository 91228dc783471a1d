#!/usr/bin/env node
// The `cutover` command (package.json "bin"): runs the TypeScript CLI through tsx, found next to
// this file whatever the current directory is.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exit(await main(process.argv));
