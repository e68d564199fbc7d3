// A tiny history router: the current path as a signal, navigate(), and same-origin link clicks
// turned into client-side navigation. /auth, /api and /docs links stay full page loads.
import { signal } from '@preact/signals';

export const path = signal(location.pathname);
export const search = signal(location.search);

function update() {
  path.value = location.pathname;
  search.value = location.search;
}

export function navigate(to, { replace = false } = {}) {
  if (to === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', to);
  update();
  window.scrollTo(0, 0);
}

/** `/monitors/:id` against `/monitors/abc` → `{ id: 'abc' }`, or null. */
export function match(pattern, actual) {
  const want = pattern.split('/');
  const got = (actual.replace(/\/+$/, '') || '/').split('/');
  if (want.length !== got.length) return null;
  const params = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) params[want[i].slice(1)] = decodeURIComponent(got[i]);
    else if (want[i] !== got[i]) return null;
  }
  return params;
}

const serverPaths = /^\/(auth|api|docs|openapi)(\/|$)/;

addEventListener('popstate', update);
document.addEventListener('click', (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest?.('a[href]');
  if (!link || link.target || link.hasAttribute('download') || link.origin !== location.origin) return;
  if (serverPaths.test(link.pathname) || link.pathname === '/setup') return;
  event.preventDefault();
  navigate(link.pathname + link.search);
});
