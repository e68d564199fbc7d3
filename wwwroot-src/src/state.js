// App-wide state in signals: who is signed in, the theme, and the monitors with their stats,
// recent checks and open incidents. Each monitor is an entry of its own signals, so a live event
// re-renders one row rather than the whole dashboard.
import { batch, computed, signal } from '@preact/signals';
import { onUnauthorized } from './api/http.js';
import { getAllStats, getMonitor, listChecks, listIncidents, listMonitors } from './api/monitors.js';

export const authConfig = signal(null);
/** undefined while unknown, null when signed out, else {id, name, email, is_owner}. */
export const user = signal(undefined);

export function signedOut() {
  user.value = null;
}
onUnauthorized(signedOut);

// ---- theme: 'system' | 'light' | 'dark', kept in localStorage
const themeKey = 'flatline-theme';
export const theme = signal(readTheme());
function readTheme() {
  try {
    return localStorage.getItem(themeKey) || 'system';
  } catch {
    return 'system';
  }
}
export function applyTheme() {
  const value = theme.value;
  if (value === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = value;
}
export function setTheme(value) {
  theme.value = value;
  try {
    if (value === 'system') localStorage.removeItem(themeKey);
    else localStorage.setItem(themeKey, value);
  } catch {
    // private mode: the choice lasts for this page only
  }
  applyTheme();
}

// ---- monitors
const RECENT = 30;

/** Timestamps compare as times: the server trims trailing zeros of the fraction, so strings do not sort. */
export const time = (iso) => Date.parse(iso);

function makeEntry(monitor) {
  return {
    id: monitor.id,
    monitor: signal(monitor),
    stats: signal(null),
    /** recent checks, oldest first: [{at, ok, ms}]; null until loaded or seen live */
    recent: signal(null),
    /** whether the stored recent checks were fetched (live ones alone may miss older checks) */
    recentLoaded: false,
    /** the open incident: undefined unknown, null none */
    incident: signal(undefined),
  };
}

/** id → entry; replaced (a new Map) only when monitors are added or removed. */
export const entries = signal(new Map());
export const monitorsLoaded = signal(false);
export const loadError = signal(null);

export const counts = computed(() => {
  const c = { up: 0, degraded: 0, down: 0, unknown: 0, paused: 0, total: 0 };
  for (const e of entries.value.values()) {
    c[e.monitor.value.status]++;
    c.total++;
  }
  return c;
});

export async function loadMonitors() {
  try {
    const [list, stats] = await Promise.all([listMonitors(), getAllStats()]);
    batch(() => {
      const old = entries.value;
      const next = new Map();
      for (const m of list) {
        const e = old.get(m.id) || makeEntry(m);
        // A live check newer than this list keeps its status (the list may have been read before it).
        const seen = e.monitor.value;
        const newer = m.enabled && seen.last_checked_at && (!m.last_checked_at || time(seen.last_checked_at) > time(m.last_checked_at));
        e.monitor.value = newer ? { ...m, status: seen.status, last_checked_at: seen.last_checked_at } : m;
        if (m.status !== 'down') e.incident.value = null;
        next.set(m.id, e);
      }
      for (const s of stats) {
        const e = next.get(s.monitor_id);
        if (e) e.stats.value = s.windows;
      }
      entries.value = next;
      monitorsLoaded.value = true;
      loadError.value = null;
      // Events that came before the list did, applied in order on top of it.
      for (const message of early.splice(0)) applyEvent(message);
    });
  } catch (error) {
    loadError.value = error.message;
  }
}

export function upsertMonitor(monitor) {
  const e = entries.value.get(monitor.id);
  if (e) {
    // An answer the server wrote before a check whose live event came first must not undo that
    // event (a new monitor is often checked before its POST's answer arrives).
    const known = e.monitor.value;
    const older = known.last_checked_at && (!monitor.last_checked_at || time(monitor.last_checked_at) < time(known.last_checked_at));
    e.monitor.value = older ? { ...monitor, status: known.status, last_checked_at: known.last_checked_at } : monitor;
    if (monitor.status === 'paused') e.incident.value = null;
    return e;
  }
  const created = makeEntry(monitor);
  const next = new Map(entries.value);
  next.set(monitor.id, created);
  entries.value = next;
  return created;
}

export function removeMonitor(id) {
  if (!entries.value.has(id)) return;
  const next = new Map(entries.value);
  next.delete(id);
  entries.value = next;
}

const fetching = new Set();
function fetchUnknown(id) {
  if (fetching.has(id) || !monitorsLoaded.value) return;
  fetching.add(id);
  getMonitor(id)
    .then(upsertMonitor)
    .catch(() => {})
    .finally(() => fetching.delete(id));
}

function pushRecent(e, check) {
  const list = e.recent.value || [];
  if (list.length && time(list[list.length - 1].at) >= time(check.at)) return;
  e.recent.value = [...list.slice(-(RECENT - 1)), check];
}

const early = [];

/** Applies one message of the live stream. */
export function applyEvent(message) {
  // A window started or ended: which monitors are in maintenance changed.
  if (message.type === 'maintenance_started' || message.type === 'maintenance_ended') {
    if (monitorsLoaded.value) loadMonitors();
    return;
  }
  if (!message.monitor_id) return;
  const e = entries.value.get(message.monitor_id);
  if (!e) {
    if (!monitorsLoaded.value) {
      if (early.length < 20000) early.push(message);
    } else fetchUnknown(message.monitor_id);
    return;
  }
  const m = e.monitor.value;
  switch (message.type) {
    case 'stats_update':
      batch(() => {
        e.stats.value = message.windows;
        if (m.status !== message.status || m.last_checked_at !== message.last_checked_at)
          e.monitor.value = { ...m, status: message.status, last_checked_at: message.last_checked_at };
      });
      break;
    case 'check_result':
      batch(() => {
        e.monitor.value = { ...m, status: message.monitor_status, last_checked_at: message.checked_at };
        pushRecent(e, { at: message.checked_at, ok: message.status === 'up', ms: message.latency_ms, error: message.error });
      });
      break;
    case 'incident_opened':
      e.incident.value = message.incident;
      break;
    case 'incident_resolved':
      e.incident.value = null;
      break;
  }
}

// Recent checks for sparklines, fetched only for rows on screen, a few at a time.
const queue = [];
let running = 0;
export function wantRecent(e) {
  if (e.recentLoaded || e.recentQueued) return;
  e.recentQueued = true;
  queue.push(e);
  pump();
}
function pump() {
  while (running < 4 && queue.length) {
    const e = queue.shift();
    running++;
    listChecks(e.id, RECENT)
      .then((checks) => {
        const loaded = checks.reverse().map((c) => ({ at: c.checked_at, ok: c.status === 'up', ms: c.latency_ms, error: c.error }));
        const live = (e.recent.value || []).filter((c) => !loaded.length || time(c.at) > time(loaded[loaded.length - 1].at));
        e.recent.value = [...loaded, ...live].slice(-RECENT);
        e.recentLoaded = true;
      })
      .catch(() => {
        e.recentQueued = false;
      })
      .finally(() => {
        running--;
        pump();
      });
  }
}

/** The open incident of a down monitor, fetched once when unknown. */
export function wantIncident(e) {
  if (e.incident.value !== undefined || e.incidentQueued) return;
  e.incidentQueued = true;
  listIncidents(e.id, 1)
    .then(([latest]) => {
      if (e.incident.value === undefined) e.incident.value = latest && !latest.resolved_at ? latest : null;
    })
    .catch(() => {})
    .finally(() => {
      e.incidentQueued = false;
    });
}

export function resetMonitors() {
  early.length = 0;
  entries.value = new Map();
  monitorsLoaded.value = false;
}
