/** Sign in: an API token, checked against the API (whoami: who it is), then kept in sessionStorage. */
import { useState } from 'preact/hooks';
import { api, ApiError, errorText } from '../api';
import { setToken } from '../auth';
import type { Identity } from '../identity';

export function Login({ onSignedIn }: { onSignedIn: (identity: Identity) => void }) {
  const [token, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('Enter an API token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const identity = await api.whoami(value);
      setToken(value);
      onSignedIn(identity);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'That token is not valid.' : errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="login">
      <h1>Cutover</h1>
      <form onSubmit={submit} class="panel" aria-describedby="login-help">
        <h2>Sign in</h2>
        <p id="login-help" class="muted">
          Use an API token (for example the admin one <code>CUTOVER_ADMIN_TOKEN</code> seeds). A viewer token sees everything read-only; a
          deployer or admin can also stop, continue and roll back. It stays in this browser tab only.
        </p>
        <label for="token">API token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'login-error' : undefined}
          required
        />
        {error && (
          <p id="login-error" role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
