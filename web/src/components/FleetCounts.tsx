import type { DeploymentOverview } from '../types';
import { statusClass } from './Status';

const ORDER: (keyof DeploymentOverview)[] = ['Pending', 'InProgress', 'Ready', 'Succeeded', 'Failed', 'Skipped'];

/** The deployment's instance counts by status (CodeDeploy's deploymentOverview). */
export function FleetCounts({ overview }: { overview: DeploymentOverview }) {
  const total = ORDER.reduce((sum, k) => sum + (overview[k] ?? 0), 0);
  return (
    <section aria-labelledby="fleet-h" class="panel">
      <h2 id="fleet-h">Fleet</h2>
      <dl class="counts">
        {ORDER.map((k) => (
          <div class={`count ${statusClass(k)}`} key={k} data-count={k}>
            <dt>{k}</dt>
            <dd>{overview[k] ?? 0}</dd>
          </div>
        ))}
        <div class="count">
          <dt>Total</dt>
          <dd>{total}</dd>
        </div>
      </dl>
    </section>
  );
}
