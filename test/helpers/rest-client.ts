/** A small REST client for tests, speaking the public API with the admin token. */
import { until } from './processes.js';

export interface Answer<T = any> {
  status: number;
  body: T;
}

export class RestClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  async request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const isRaw = typeof body === 'string' || Buffer.isBuffer(body);
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined && !isRaw ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : isRaw ? (body as string | Uint8Array) as BodyInit : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain text (logs) stays text
    }
    return { status: res.status, body: parsed as T };
  }

  async ok<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const answer = await this.request<T>(method, path, body, headers);
    if (answer.status >= 300) throw new Error(`${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }

  createApplication(name: string) {
    return this.ok('POST', '/v1/applications', { name });
  }

  createGroup(app: string, name: string, deploymentConfigName: string, tags: Record<string, string>) {
    return this.ok('POST', `/v1/applications/${app}/deployment-groups`, {
      name,
      deploymentConfigName,
      instanceTagFilters: Object.entries(tags).map(([key, value]) => ({ key, value })),
    });
  }

  async upload(app: string, bundle: Buffer): Promise<string> {
    const body = await this.ok('POST', `/v1/applications/${app}/revisions`, bundle, { 'content-type': 'application/gzip' });
    return body.revision.digest as string;
  }

  async deploy(app: string, group: string, digest: string, extra: Record<string, unknown> = {}): Promise<string> {
    const body = await this.ok('POST', '/v1/deployments', {
      applicationName: app,
      deploymentGroupName: group,
      revision: { revisionType: 'Bundle', digest },
      ...extra,
    });
    return body.deploymentId as string;
  }

  deployment(id: string) {
    return this.ok('GET', `/v1/deployments/${id}`);
  }

  async targets(id: string): Promise<any[]> {
    return (await this.ok('GET', `/v1/deployments/${id}/targets`)).targets;
  }

  async log(id: string, instance: string): Promise<string> {
    return this.ok('GET', `/v1/deployments/${id}/targets/${instance}/logs`);
  }

  /** Wait until the deployment reaches one of `statuses`; returns it. */
  async waitFor(id: string, statuses: readonly string[], timeoutMs = 90_000): Promise<any> {
    return until(
      `deployment ${id} to reach ${statuses.join('|')}`,
      async () => {
        const d = await this.deployment(id);
        return statuses.includes(d.status) ? d : undefined;
      },
      timeoutMs,
      150,
    );
  }

  /** Wait for a terminal status, which must be `expected`. */
  async finished(id: string, expected: string, timeoutMs?: number): Promise<any> {
    const d = await this.waitFor(id, ['Succeeded', 'Failed', 'Stopped'], timeoutMs);
    if (d.status !== expected) {
      const targets = await this.targets(id);
      throw new Error(`deployment ${id} ended ${d.status}, expected ${expected}: ${JSON.stringify({ d, targets }, null, 1)}`);
    }
    return d;
  }
}
