/**
 * Cutover's dashboard: sign in with an API token, then deployments (list and detail, live from
 * the event streams), instances, applications and groups. Served by the api at `/`.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from './api';
import { getToken, onSignedOut, signOut } from './auth';
import { IdentityContext, LOADING, type IdentityState } from './identity';
import { href, useRoute, type Route } from './router';
import { Login } from './pages/Login';
import { DeploymentsList } from './pages/DeploymentsList';
import { DeploymentDetail } from './pages/DeploymentDetail';
import { Instances } from './pages/Instances';
import { Applications } from './pages/Applications';
import { WhoAmI } from './components/WhoAmI';
import './styles.css';

const NAV: { label: string; path: string; pages: Route['page'][] }[] = [
  { label: 'Deployments', path: '/deployments', pages: ['deployments', 'deployment'] },
  { label: 'Instances', path: '/instances', pages: ['instances'] },
  { label: 'Applications', path: '/applications', pages: ['applications'] },
];

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'deployments':
      return <DeploymentsList query={route.query} />;
    case 'deployment':
      return <DeploymentDetail id={route.id} />;
    case 'instances':
      return <Instances />;
    case 'applications':
      return <Applications />;
    default:
      return (
        <>
          <h1 tabIndex={-1}>Not found</h1>
          <p>
            There is no such page. <a href={href('/deployments')}>Go to the deployments.</a>
          </p>
        </>
      );
  }
}

function App() {
  const [signedIn, setSignedIn] = useState(() => !!getToken());
  const [who, setWho] = useState<IdentityState>(LOADING);
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(
    () =>
      onSignedOut(() => {
        setSignedIn(false);
        setWho(LOADING);
      }),
    [],
  );
  // A reload with the stored token: ask who it is (sign-in already knows). A 401 signs out instead.
  useEffect(() => {
    if (!signedIn || who.state !== 'loading') return undefined;
    let current = true;
    api.whoami().then(
      (identity) => current && setWho({ state: 'known', identity }),
      (err: unknown) => current && setWho({ state: 'unknown', error: errorText(err) }),
    );
    return () => {
      current = false;
    };
  }, [signedIn, who.state]);

  const pageKey = route.page === 'deployment' ? `deployment/${route.id}` : route.page;
  useEffect(() => {
    const page = route.page === 'deployment' ? `Deployment ${route.id}` : (NAV.find((n) => n.pages.includes(route.page))?.label ?? 'Not found');
    document.title = `${signedIn ? page : 'Sign in'} · Cutover`;
  }, [pageKey, signedIn]);
  // A new page: move focus to its heading, as a page load would, so screen readers announce it.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [pageKey]);

  if (!signedIn) {
    return (
      <Login
        onSignedIn={(identity) => {
          setWho({ state: 'known', identity });
          setSignedIn(true);
        }}
      />
    );
  }
  return (
    <IdentityContext.Provider value={who}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('/deployments')}>
          Cutover
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.path}>
                <a href={href(n.path)} aria-current={n.pages.includes(route.page) ? 'page' : undefined}>
                  {n.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="session">
          <WhoAmI who={who} />
          <button type="button" class="link signout" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page key={pageKey} route={route} />
      </main>
    </IdentityContext.Provider>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
