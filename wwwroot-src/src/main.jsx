import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { effect } from '@preact/signals';
import { getAuthConfig, getMe } from './api/auth.js';
import { startLive, stopLive } from './live.js';
import { match, navigate, path } from './router.js';
import { applyTheme, authConfig, loadMonitors, resetMonitors, user } from './state.js';
import { ConfirmDialog } from './components/Confirm.jsx';
import { Header } from './components/Header.jsx';
import { SignIn } from './pages/SignIn.jsx';
import { Setup } from './pages/Setup.jsx';
import { Dashboard } from './pages/Dashboard.jsx';
import { MonitorDetail } from './pages/MonitorDetail.jsx';
import { MonitorForm } from './pages/MonitorForm.jsx';
import { Channels } from './pages/Channels.jsx';
import { Maintenance, MaintenanceForm } from './pages/Maintenance.jsx';
import { Settings } from './pages/Settings.jsx';
import { Locations } from './pages/Locations.jsx';
import { StatusPageForm, StatusPages } from './pages/StatusPages.jsx';
import './styles.css';

const routes = [
  ['/', Dashboard],
  ['/monitors/new', MonitorForm],
  ['/monitors/:id/edit', MonitorForm],
  ['/monitors/:id', MonitorDetail],
  ['/channels', Channels],
  ['/status-pages', StatusPages],
  ['/status-pages/new', StatusPageForm],
  ['/status-pages/:id', StatusPageForm],
  ['/maintenance', Maintenance],
  ['/maintenance/new', MaintenanceForm],
  ['/maintenance/:id/edit', MaintenanceForm],
  ['/locations', Locations],
  ['/settings', Settings],
  ['/login', Home],
  ['/auth/login', Home],
];

/** Signed in already: the sign-in paths lead to the dashboard. */
function Home() {
  useEffect(() => navigate('/', { replace: true }), []);
  return null;
}

function NotFound() {
  return (
    <section class="empty">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        <a href="/">Back to the monitors</a>
      </p>
    </section>
  );
}

function Page() {
  const current = path.value;
  for (const [pattern, Component] of routes) {
    const params = match(pattern, current);
    if (params) return <Component key={pattern + (params.id || '')} {...params} />;
  }
  return <NotFound />;
}

function App() {
  const signedIn = user.value;
  const current = path.value;
  // After a client-side navigation, put focus on the new page's heading for keyboard and
  // screen-reader users.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) first.current = false;
    else document.querySelector('main h1')?.focus();
  }, [current]);

  if (signedIn === undefined || authConfig.value === null) return <p class="loading">Loading…</p>;
  if (current === '/setup') return <Setup />;
  if (!signedIn) return <SignIn />;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Header />
      <main id="main">
        <Page />
      </main>
      <footer class="foot">
        <a href="/docs">API docs</a>
      </footer>
      <ConfirmDialog />
    </>
  );
}

// Live data runs while someone is signed in, and only then.
effect(() => {
  if (user.value) {
    loadMonitors();
    startLive();
  } else if (user.value === null) {
    stopLive();
    resetMonitors();
  }
});

applyTheme();
render(<App />, document.getElementById('app'));

Promise.all([getAuthConfig(), getMe().catch(() => null)])
  .then(([config, me]) => {
    authConfig.value = config;
    user.value = me;
  })
  .catch(() => {
    authConfig.value = { mode: 'local', setup_required: false };
    user.value = null;
  });
