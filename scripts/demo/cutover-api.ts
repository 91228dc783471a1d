/** The few REST calls the demo makes, with the admin token; any unexpected status is a DemoError. */
import type { DeploymentInfo, InstanceInfo, InstanceTarget, RevisionInfo } from '../../shared/domain/types.js';

/** A failure to explain to the user in plain words (no stack trace). */
export class DemoError extends Error {}

interface RequestOptions {
  json?: unknown;
  body?: Buffer;
  contentType?: string;
  /** Statuses that count as success; a 409 can mean "already exists", which is fine for setup. */
  accept?: number[];
}

export class CutoverApi {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly signal: AbortSignal,
  ) {}

  async healthy(): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.any([this.signal, AbortSignal.timeout(2000)]) });
      return res.status === 200;
    } catch {
      this.signal.throwIfAborted();
      return false;
    }
  }

  /** Creates the application; an existing one (409) is fine. */
  async ensureApplication(name: string): Promise<void> {
    await this.request('POST', '/v1/applications', { json: { name }, accept: [201, 409] });
  }

  /** Creates the deployment group; an existing one (409) is fine. */
  async ensureDeploymentGroup(
    app: string,
    group: { name: string; deploymentConfigName: string; instanceTagFilters: { key: string; value: string }[]; deploymentStyle?: object; loadBalancerInfo?: object },
  ): Promise<void> {
    await this.request('POST', `/v1/applications/${encodeURIComponent(app)}/deployment-groups`, { json: group, accept: [201, 409] });
  }

  async uploadBundle(app: string, bundle: Buffer): Promise<RevisionInfo['revision']> {
    const info = (await this.request('POST', `/v1/applications/${encodeURIComponent(app)}/revisions`, {
      body: bundle,
      contentType: 'application/gzip',
      accept: [200, 201],
    })) as Pick<RevisionInfo, 'revision'>;
    return info.revision;
  }

  async createDeployment(app: string, group: string, revision: RevisionInfo['revision'], description: string): Promise<string> {
    const res = (await this.request('POST', '/v1/deployments', {
      json: { applicationName: app, deploymentGroupName: group, revision, description },
      accept: [201],
    })) as { deploymentId: string };
    return res.deploymentId;
  }

  async deployment(id: string): Promise<DeploymentInfo> {
    return (await this.request('GET', `/v1/deployments/${encodeURIComponent(id)}`)) as DeploymentInfo;
  }

  async targets(id: string): Promise<InstanceTarget[]> {
    return ((await this.request('GET', `/v1/deployments/${encodeURIComponent(id)}/targets`)) as { targets: InstanceTarget[] }).targets;
  }

  async instances(): Promise<InstanceInfo[]> {
    return ((await this.request('GET', '/v1/instances')) as { instances: InstanceInfo[] }).instances;
  }

  private async request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` };
    let body: string | Blob | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.body) {
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
      body = new Blob([new Uint8Array(options.body)]);
    }
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, { method, headers, body, signal: this.signal });
    } catch (err) {
      this.signal.throwIfAborted();
      throw new DemoError(`${method} ${path} failed: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!(options.accept ?? [200]).includes(res.status)) {
      throw new DemoError(`${method} ${path} answered ${res.status}: ${text.slice(0, 2000)}`);
    }
    return text ? JSON.parse(text) : undefined;
  }
}
