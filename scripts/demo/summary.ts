/** What the demo prints once the deployment succeeded, and the check that every host answers. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Outcome } from './progress.js';
import { APP_NAME, GROUP_NAME, HOSTS, HOSTS_DIR, LOGS_DIR, SAMPLE_APP, logFile, rel } from './layout.js';

export interface AppCheck {
  ok: boolean;
  lines: string[];
}

/** Asks each host's app for its version; every one should report the VERSION just deployed. */
export async function checkApps(appPorts: Map<string, number>): Promise<AppCheck> {
  const expected = (await readFile(path.join(SAMPLE_APP, 'app', 'VERSION'), 'utf8')).trim();
  const lines: string[] = [];
  let ok = true;
  for (const [host, port] of appPorts) {
    const url = `http://127.0.0.1:${port}/`;
    const answer = await askApp(url);
    ok &&= answer.version === expected;
    lines.push(`    ${host}  ${url.padEnd(24)} ${answer.text}${answer.version === expected ? '' : `   <- expected version ${expected}`}`);
  }
  return { ok, lines };
}

async function askApp(url: string): Promise<{ text: string; version?: string }> {
  let text: string;
  try {
    text = (await (await fetch(url, { signal: AbortSignal.timeout(3000) })).text()).trim();
  } catch (err) {
    return { text: `no answer (${(err as Error).message})` };
  }
  try {
    return { text, version: (JSON.parse(text) as { version?: string }).version };
  } catch {
    return { text };
  }
}

/** A few requests through the router: which hosts answered (they take turns). */
export async function checkRouter(routerUrl: string): Promise<string> {
  const hosts = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const answer = await askApp(routerUrl);
    if (!answer.version) return `no answer through the router (${answer.text})`;
    hosts.add((JSON.parse(answer.text) as { host?: string }).host ?? '?');
  }
  return `answered by ${[...hosts].sort().join(', ')}`;
}

export function summary(apiUrl: string, adminToken: string, outcome: Outcome, apps: AppCheck, router: { url: string; check: string }): string {
  const id = outcome.deployment.deploymentId;
  const auth = `-H "Authorization: Bearer $CUTOVER_TOKEN"`;
  return `
Deployment ${id} Succeeded.

  API            ${apiUrl}
  Admin token    ${adminToken}
  Load balancer  ${router.url}  (Cutover's built-in router; ${router.check})

  Look around:
    export CUTOVER_TOKEN=${adminToken}
    curl -s ${auth} ${apiUrl}/v1/deployments/${id}
    curl -s ${auth} ${apiUrl}/v1/deployments/${id}/targets
    curl -s ${auth} ${apiUrl}/v1/deployments/${id}/targets/${HOSTS[0]}/logs
    curl -s ${auth} ${apiUrl}/v1/instances
    curl -s ${router.url}        # again and again: the hosts take turns; during a deployment, none fails

  The sample app on each host:
${apps.lines.join('\n')}

  Deploy a change: edit ${rel(path.join(SAMPLE_APP, 'app', 'VERSION'))}, then
    tar -czf /tmp/sample.tgz -C ${rel(SAMPLE_APP)} .
    curl -s ${auth} -H 'Content-Type: application/gzip' --data-binary @/tmp/sample.tgz ${apiUrl}/v1/applications/${APP_NAME}/revisions
    curl -s ${auth} -H 'Content-Type: application/json' ${apiUrl}/v1/deployments \\
      -d '{"applicationName":"${APP_NAME}","deploymentGroupName":"${GROUP_NAME}","revision":{"revisionType":"Bundle","digest":"<digest from the upload>"}}'

  Logs
    Cutover (api + workers)  ${rel(logFile('cutover'))}
    built-in router          ${rel(logFile('router'))}
    agents                   ${rel(LOGS_DIR)}/demo-host-N.log
    bundles, hook scripts    ${rel(HOSTS_DIR)}/demo-host-N/agent/
    app servers              ${rel(HOSTS_DIR)}/demo-host-N/fs/var/log/cutover-sample/server.log
`;
}
