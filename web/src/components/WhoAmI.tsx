import type { IdentityState } from '../identity';

/**
 * "account · role" in the header, in words (a screen reader hears "Signed in to account acme as
 * viewer"), so what the pages leave out for a viewer is explained where it starts.
 */
export function WhoAmI({ who }: { who: IdentityState }) {
  if (who.state === 'loading') return <p class="whoami muted">Checking the token…</p>;
  if (who.state === 'unknown') {
    return (
      <p class="whoami" title={who.error}>
        Account unknown
      </p>
    );
  }
  const { accountId, role, operator } = who.identity;
  return (
    <p class="whoami" data-account={accountId} data-role={role}>
      <span class="visually-hidden">Signed in to account </span>
      <span class="account">{accountId}</span>
      <span aria-hidden="true"> · </span>
      <span class="visually-hidden"> as </span>
      <span class={`role role-${role}`}>{role}</span>
      {operator && <span class="muted"> (operator)</span>}
    </p>
  );
}
