// Every monitor at a glance: overall status, open incidents, and a searchable, filterable list
// kept live by the shared event stream. Loaded with two requests whatever the number of monitors.
import { computed, signal, useComputed } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { counts, entries, loadError, monitorsLoaded, wantIncident } from '../state.js';
import { Ago } from '../components/Ago.jsx';
import { MonitorMarks } from '../components/MonitorMarks.jsx';
import { millis, percent, statusLabel } from '../components/format.js';
import { Sparkline } from '../components/Sparkline.jsx';
import { StatusBadge } from '../components/StatusBadge.jsx';

const PAGE = 200;
const query = signal('');
const filter = signal('all');
const tag = signal('');
const shown = signal(PAGE);

// The ids to show, recomputed on any change but kept as the same array while they are the same,
// so that a live status change re-renders one row, not the list.
let previous = [];
const visibleIds = computed(() => {
  const q = query.value.trim().toLowerCase();
  const f = filter.value;
  const t = tag.value;
  const ids = [];
  for (const e of entries.value.values()) {
    const m = e.monitor.value;
    if (f !== 'all' && m.status !== f) continue;
    if (t && !m.tags?.includes(t)) continue;
    if (q && !m.name.toLowerCase().includes(q) && !m.target.toLowerCase().includes(q)) continue;
    ids.push([m.name.toLowerCase(), e.id]);
  }
  ids.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const next = ids.map((p) => p[1]);
  if (next.length === previous.length && next.every((id, i) => id === previous[i])) return previous;
  previous = next;
  return next;
});

const tagsInUse = computed(() => {
  const names = new Set();
  for (const e of entries.value.values()) for (const name of e.monitor.value.tags || []) names.add(name);
  return [...names].sort();
});

const downEntries = computed(() => [...entries.value.values()].filter((e) => e.monitor.value.status === 'down'));

function Overall() {
  const c = counts.value;
  // Degraded monitors are up (slow, or a certificate near expiry): they spoil "all up", not "none down".
  const running = c.up + c.degraded;
  const state = c.down ? 'down' : c.total && running === c.total - c.paused ? (c.degraded ? 'degraded' : 'up') : 'unknown';
  const headline = c.down
    ? `${c.down} of ${c.total} monitor${c.total === 1 ? '' : 's'} down`
    : c.degraded && running === c.total - c.paused
      ? `${c.degraded} of ${c.total} monitor${c.total === 1 ? '' : 's'} degraded`
      : c.up && c.up === c.total - c.paused
      ? 'All monitors are up'
      : c.unknown
        ? 'Waiting for first checks'
        : 'All monitors are paused';
  return (
    <section class={`overall overall-${state}`} aria-labelledby="overall-title">
      <h2 id="overall-title" data-testid="overall">
        {headline}
      </h2>
      <ul class="tally">
        {['up', 'degraded', 'down', 'unknown', 'paused'].map((s) => (
          <li key={s}>
            <button type="button" class={`tally-${s}`} aria-pressed={filter.value === s} onClick={() => (filter.value = filter.value === s ? 'all' : s)}>
              <strong>{c[s]}</strong> {statusLabel[s].toLowerCase()}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

function OpenIncident({ entry }) {
  const incident = entry.incident.value;
  useEffect(() => wantIncident(entry), [entry]);
  const m = entry.monitor.value;
  return (
    <li class="incident-row">
      <a href={`/monitors/${m.id}`}>{m.name}</a>
      <span class="muted">
        {incident ? (
          <>
            down since <Ago at={incident.started_at} />
            {incident.cause && <> — {incident.cause}</>}
          </>
        ) : (
          'down'
        )}
      </span>
    </li>
  );
}

function OpenIncidents() {
  const down = downEntries.value;
  if (!down.length) return null;
  return (
    <section class="card incidents-card" aria-labelledby="incidents-title">
      <h2 id="incidents-title">Open incidents</h2>
      <ul class="plain" data-testid="open-incidents">
        {down.slice(0, 10).map((e) => (
          <OpenIncident key={e.id} entry={e} />
        ))}
      </ul>
      {down.length > 10 && <p class="muted">and {down.length - 10} more — filter by “down” to see them all.</p>}
    </section>
  );
}

function Row({ id }) {
  const entry = entries.value.get(id);
  if (!entry) return null;
  const m = entry.monitor.value;
  const month = entry.stats.value?.['30d'];
  return (
    <tr data-monitor={m.name}>
      <td class="c-status">
        <StatusBadge status={m.status} />
      </td>
      <td class="c-name">
        <a href={`/monitors/${m.id}`}>{m.name}</a>
        <span class="url">{m.target}</span>
        <MonitorMarks monitor={m} activeTag={tag.value} onTag={(name) => ((tag.value = tag.value === name ? '' : name), (shown.value = PAGE))} />
      </td>
      <td class="c-spark" data-label="Recent checks">
        <Sparkline entry={entry} />
      </td>
      <td class="c-num" data-label="30-day uptime">
        {percent(month?.uptime)}
      </td>
      <td class="c-num" data-label="p99 (30 d)">
        {millis(month?.p99)}
      </td>
      <td class="c-when" data-label="Last check">
        <Ago at={m.last_checked_at} />
      </td>
    </tr>
  );
}

function Toolbar() {
  return (
    <div class="toolbar" role="search">
      <label class="grow">
        <span class="visually-hidden">Search monitors</span>
        <input type="search" placeholder="Search by name or URL" value={query.value} onInput={(e) => ((query.value = e.currentTarget.value), (shown.value = PAGE))} />
      </label>
      <label>
        <span class="visually-hidden">Filter by status</span>
        <select value={filter.value} onChange={(e) => ((filter.value = e.currentTarget.value), (shown.value = PAGE))}>
          <option value="all">All statuses</option>
          <option value="up">Up</option>
          <option value="degraded">Degraded</option>
          <option value="down">Down</option>
          <option value="unknown">Pending</option>
          <option value="paused">Paused</option>
        </select>
      </label>
      {tagsInUse.value.length > 0 && (
        <label>
          <span class="visually-hidden">Filter by tag</span>
          <select value={tag.value} onChange={(e) => ((tag.value = e.currentTarget.value), (shown.value = PAGE))}>
            <option value="">All tags</option>
            {tagsInUse.value.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
      )}
      <a class="button primary" href="/monitors/new">
        Add monitor
      </a>
    </div>
  );
}

function FirstRun() {
  return (
    <section class="empty card" data-testid="empty-dashboard">
      <h2>No monitors yet</h2>
      <p>Add the first URL Flatline should watch. It is checked within a second, then on its interval.</p>
      <ol class="steps">
        <li>
          <a href="/monitors/new">Add a monitor</a> for a page or health endpoint.
        </li>
        <li>
          <a href="/channels">Create a notification channel</a> (Slack, a webhook, ntfy, …).
        </li>
        <li>Link the channel on the monitor's page to hear when it goes down.</li>
      </ol>
      <a class="button primary" href="/monitors/new">
        Add your first monitor
      </a>
    </section>
  );
}

export function Dashboard() {
  const ids = visibleIds.value;
  const total = entries.value.size;
  const more = ids.length - shown.value;
  const list = useComputed(() => visibleIds.value.slice(0, shown.value));
  return (
    <>
      <h1 tabIndex={-1}>Monitors</h1>
      {loadError.value && (
        <p class="form-error" role="alert">
          Could not load the monitors: {loadError.value}
        </p>
      )}
      {!monitorsLoaded.value ? (
        <p class="muted">Loading monitors…</p>
      ) : total === 0 ? (
        <FirstRun />
      ) : (
        <>
          <Overall />
          <OpenIncidents />
          <Toolbar />
          {ids.length === 0 ? (
            <p class="empty muted">No monitor matches.</p>
          ) : (
            <table class="monitors">
              <caption class="visually-hidden">
                {ids.length} of {total} monitors
              </caption>
              <thead>
                <tr>
                  <th scope="col">Status</th>
                  <th scope="col">Monitor</th>
                  <th scope="col">Recent checks</th>
                  <th scope="col" class="c-num">
                    Uptime 30 d
                  </th>
                  <th scope="col" class="c-num">
                    p99
                  </th>
                  <th scope="col">Last check</th>
                </tr>
              </thead>
              <tbody>
                {list.value.map((id) => (
                  <Row key={id} id={id} />
                ))}
              </tbody>
            </table>
          )}
          {more > 0 && (
            <button type="button" class="wide" onClick={() => (shown.value += PAGE)}>
              Show {Math.min(more, PAGE)} more of {more}
            </button>
          )}
        </>
      )}
    </>
  );
}
