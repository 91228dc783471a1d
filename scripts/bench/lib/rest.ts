/** A small client for Cutover's REST API with the admin token (bench setup and polling). */
import { setTimeout as sleep } from 'node:timers/promises';

export class Rest {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async call<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const raw = Buffer.isBuffer(body);
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      body: body === undefined ? undefined : raw ? new Uint8Array(body as Buffer) : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  createApplication(name: string): Promise<unknown> {
    return this.call('POST', '/v1/applications', { name });
  }

  createGroup(app: string, name: string, deploymentConfigName: string, tags: Record<string, string>): Promise<unknown> {
    return this.call('POST', `/v1/applications/${app}/deployment-groups`, {
      name,
      deploymentConfigName,
      instanceTagFilters: Object.entries(tags).map(([key, value]) => ({ key, value, type: 'KEY_AND_VALUE' })),
    });
  }

  async upload(app: string, bundle: Buffer): Promise<string> {
    const body = await this.call<{ revision: { digest: string } }>('POST', `/v1/applications/${app}/revisions`, bundle, 'application/gzip');
    return body.revision.digest;
  }

  async deploy(app: string, group: string, digest: string): Promise<string> {
    const body = await this.call<{ deploymentId: string }>('POST', '/v1/deployments', {
      applicationName: app,
      deploymentGroupName: group,
      revision: { revisionType: 'Bundle', digest },
    });
    return body.deploymentId;
  }

  deployment(id: string): Promise<DeploymentView> {
    return this.call('GET', `/v1/deployments/${id}`);
  }

  /** Poll until the deployment ends (or `timeoutMs` passes: then the last view, status unchanged). */
  async finished(id: string, timeoutMs: number, intervalMs = 100): Promise<{ view: DeploymentView; timedOut: boolean }> {
    const deadline = Date.now() + timeoutMs;
    let view = await this.deployment(id);
    while (!TERMINAL.includes(view.status)) {
      if (Date.now() > deadline) return { view, timedOut: true };
      await sleep(intervalMs);
      view = await this.deployment(id);
    }
    return { view, timedOut: false };
  }
}

const TERMINAL = ['Succeeded', 'Failed', 'Stopped'];

export interface DeploymentView {
  deploymentId: string;
  status: string;
  createTime: string;
  startTime?: string;
  completeTime?: string;
  errorInformation?: { code: string; message: string };
  deploymentOverview: Record<string, number>;
}
