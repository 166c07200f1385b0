/**
 * The console's shell: sign-in with an API key (kept in this browser session
 * only), navigation, the environment switch (prod/test, in the URL as `env`)
 * and the view the URL names.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, type Env, onUnauthorized, session } from './api.ts';
import { href, type Route, useRoute, withParams } from './router.ts';
import './style.css';
import { FormError, useSubmit } from './ui.tsx';
import { CustomersView } from './views/customers.tsx';
import { KeysView } from './views/keys.tsx';
import { LogsView } from './views/logs.tsx';
import { ModelsView } from './views/models.tsx';
import { OverviewView } from './views/overview.tsx';
import { PromptsView } from './views/prompts.tsx';
import { ThreadsView } from './views/threads.tsx';
import { TracesView } from './views/traces.tsx';

const VIEWS: Record<string, { label: string; render: (r: Route) => preact.JSX.Element }> = {
  overview: { label: 'Overview', render: (r) => <OverviewView route={r} /> },
  logs: { label: 'Logs', render: (r) => <LogsView route={r} /> },
  traces: { label: 'Traces', render: (r) => <TracesView route={r} /> },
  threads: { label: 'Threads', render: (r) => <ThreadsView route={r} /> },
  customers: { label: 'Customers', render: (r) => <CustomersView route={r} /> },
  prompts: { label: 'Prompts', render: (r) => <PromptsView route={r} /> },
  keys: { label: 'Keys', render: (r) => <KeysView route={r} /> },
  models: { label: 'Models', render: (r) => <ModelsView route={r} /> },
};

/** Views whose reads depend on the environment; the others are organization-wide. */
const SCOPED = new Set(['overview', 'logs', 'traces', 'threads', 'customers']);

const KEY_ENV = 'switchyard.key_env';

interface OwnKey {
  environment: Env;
}

function SignIn({ onDone }: { onDone: () => void }) {
  const [key, setKey] = useState('');
  const [busy, error, submit] = useSubmit();
  const signIn = (e: Event) => {
    e.preventDefault();
    void submit(async () => {
      const k = key.trim();
      // The key's own record proves it works (whatever its role) and tells its environment, the default of every read.
      const own = await api<OwnKey>('temporary-keys/me/', { key: k });
      session.signIn(k);
      sessionStorage.setItem(KEY_ENV, own.environment);
      onDone();
    });
  };
  return (
    <main class="signin">
      <form onSubmit={signIn} aria-labelledby="signin-title">
        <h1 id="signin-title">Switchyard</h1>
        <p class="muted">Sign in with an API key. It stays in this browser tab's session and is sent only to this server.</p>
        <label>
          API key
          <input
            type="password"
            name="key"
            autoComplete="off"
            required
            autoFocus
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
            placeholder="prefix.secret"
          />
        </label>
        <button type="submit" class="primary" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <FormError error={error} />
      </form>
    </main>
  );
}

function App() {
  const [signedIn, setSignedIn] = useState(session.key !== null);
  const route = useRoute();
  useEffect(() => {
    const out = () => {
      session.signOut();
      setSignedIn(false);
    };
    onUnauthorized.push(out);
    return () => onUnauthorized.splice(onUnauthorized.indexOf(out), 1);
  }, []);
  if (!signedIn) return <SignIn onDone={() => setSignedIn(true)} />;
  const env = (route.params.get('env') ?? sessionStorage.getItem(KEY_ENV) ?? 'prod') as Env;
  // Every scoped read in this render uses it (api.ts).
  session.env = env;
  const view = VIEWS[route.view] ?? VIEWS.overview;
  const envParam = route.params.get('env');
  const navParams = envParam ? { env: envParam } : undefined;
  return (
    <>
      <a class="skip" href="#content" onClick={(e) => (e.preventDefault(), document.getElementById('content')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('overview', null, navParams)}>
          Switchyard
        </a>
        <nav aria-label="Views">
          {Object.entries(VIEWS).map(([id, v]) => (
            <a href={href(id, null, navParams)} aria-current={route.view === id ? 'page' : undefined}>
              {v.label}
            </a>
          ))}
        </nav>
        <div class="top-right">
          <label class="env" title={SCOPED.has(route.view) ? 'Environment of the data shown' : 'This view is the same in both environments'}>
            <span>Environment</span>
            <select
              value={env}
              onChange={(e) => {
                location.hash = href(route.view, route.id, withParams(route.params, { env: e.currentTarget.value, page: null }));
              }}
            >
              <option value="prod">prod</option>
              <option value="test">test</option>
            </select>
          </label>
          <a href="/docs" class="muted">
            API
          </a>
          <button
            type="button"
            onClick={() => {
              session.signOut();
              sessionStorage.removeItem(KEY_ENV);
              setSignedIn(false);
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="content" tabIndex={-1} key={env}>
        {view?.render(route)}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
