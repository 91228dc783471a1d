import type { Diagnostics } from '../../shared/domain/types.js';

/** How one lifecycle event ended on the host. */
export interface EventOutcome {
  status: 'Succeeded' | 'Failed' | 'Skipped';
  diagnostics?: Diagnostics;
}

export function failed(message: string, errorCode: Diagnostics['errorCode'] = 'UnknownError', scriptName = '', logTail = ''): EventOutcome {
  return { status: 'Failed', diagnostics: { errorCode, scriptName, message, logTail } };
}

export function succeeded(message = 'Succeeded', scriptName = '', logTail = ''): EventOutcome {
  return { status: 'Succeeded', diagnostics: { errorCode: 'Success', scriptName, message, logTail } };
}
