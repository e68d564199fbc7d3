import { connection } from '../live.js';
import { path } from '../router.js';
import { setTheme, theme } from '../state.js';

const connectionText = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', offline: 'offline' };
const nextTheme = { system: 'light', light: 'dark', dark: 'system' };

function NavLink({ href, children }) {
  const current = href === '/' ? path.value === '/' || path.value.startsWith('/monitors') : path.value.startsWith(href);
  return (
    <a href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}

export function Header() {
  const state = connection.value;
  return (
    <header class="top">
      <a class="brand" href="/">
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path d="M1 13h5l2-6 4 12 3-9 2 3h6" />
        </svg>
        Flatline
      </a>
      <nav aria-label="Main">
        <NavLink href="/">Monitors</NavLink>
        <NavLink href="/maintenance">Maintenance</NavLink>
        <NavLink href="/channels">Channels</NavLink>
        <NavLink href="/status-pages">Status pages</NavLink>
        <NavLink href="/locations">Locations</NavLink>
        <NavLink href="/settings">Settings</NavLink>
      </nav>
      <span class={`connection connection-${state}`} role="status" data-testid="connection">
        <span class="dot" aria-hidden="true" />
        {connectionText[state]}
      </span>
      <button
        type="button"
        class="theme-toggle"
        onClick={() => setTheme(nextTheme[theme.value])}
        aria-label={`Theme: ${theme.value}. Switch to ${nextTheme[theme.value]}`}
        title={`Theme: ${theme.value}`}
      >
        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">
          <circle cx="12" cy="12" r="8" />
          <path d="M12 4a8 8 0 0 1 0 16z" class="fill" />
        </svg>
      </button>
    </header>
  );
}
