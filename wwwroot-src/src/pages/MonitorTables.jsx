// The detail page's tables: recent checks, each location's own view, and incidents.

import { useEffect, useState } from 'preact/hooks';
import { monitorLocations } from '../api/locations.js';
import { Ago } from '../components/Ago.jsx';
import { dateTime, duration, millis, percent } from '../components/format.js';
import { StatusBadge } from '../components/StatusBadge.jsx';
import { Reporting } from './Locations.jsx';

/** A list that failed to load says so (and why) rather than looking empty; live items still show below. */
export function LoadFailed({ what, error }) {
  return error ? (
    <p class="form-error" role="alert">
      Could not load the {what}: {error}
    </p>
  ) : null;
}

export function Checks({ checks, error, located }) {
  if (!checks) return <p class="muted">Loading…</p>;
  if (!checks.length) return error ? <LoadFailed what="checks" error={error} /> : <p class="muted">Waiting for the first check…</p>;
  return (
    <div class="table-scroll">
      <table class="list" data-testid="checks">
        <thead>
          <tr>
            <th scope="col">Time</th>
            {located && <th scope="col">Location</th>}
            <th scope="col">Result</th>
            <th scope="col">HTTP</th>
            <th scope="col" class="c-num">
              Response
            </th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {checks.map((c) => (
            <tr key={c.checked_at}>
              <td>
                <Ago at={c.checked_at} />
              </td>
              {located && <td>{c.location || 'local'}</td>}
              <td>
                <StatusBadge status={c.status} />
              </td>
              <td>{c.status_code ?? '—'}</td>
              <td class="c-num">{millis(c.latency_ms)}</td>
              <td class="error-text">{c.error || ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Each location's own view: its state machine, whether it reports, its last check and 24 h share up.
 * Read again after each check: one location failing rarely changes the combined status (the quorum is
 * there so that it does not), yet it is what this card is for. An agent's batch brings many checks at
 * once, so a burst is read once. */
export function PerLocation({ id, version, status, checked }) {
  const [rows, setRows] = useState(null);
  useEffect(() => {
    const load = () =>
      monitorLocations(id)
        .then(setRows)
        .catch(() => setRows([]));
    const timer = setTimeout(load, rows ? 250 : 0);
    return () => clearTimeout(timer);
  }, [id, version, status, checked]);
  if (!rows) return <p class="muted">Loading…</p>;
  return (
    <div class="table-scroll">
      <table class="list" data-testid="monitor-locations">
        <thead>
          <tr>
            <th scope="col">Location</th>
            <th scope="col">Result</th>
            <th scope="col">Reporting</th>
            <th scope="col">Last check</th>
            <th scope="col" class="c-num">
              Failures in a row
            </th>
            <th scope="col" class="c-num">
              Up (24 h)
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.location} data-location={r.location}>
              <td>{r.location}</td>
              <td>
                <StatusBadge status={r.status} />
              </td>
              <td>
                <Reporting status={r.reporting} />
              </td>
              <td>
                <Ago at={r.last_checked_at} />
              </td>
              <td class="c-num">{r.consecutive_failures}</td>
              <td class="c-num">{r.windows?.['24h']?.uptime == null ? '—' : percent(r.windows['24h'].uptime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Incidents({ incidents, error }) {
  if (!incidents) return <p class="muted">Loading…</p>;
  if (!incidents.length)
    return error ? <LoadFailed what="incidents" error={error} /> : <p class="muted">No incidents. When the monitor goes down, the incident shows here.</p>;
  return (
    <div class="table-scroll">
      <table class="list" data-testid="incidents">
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">State</th>
            <th scope="col">Duration</th>
            <th scope="col">Cause</th>
            <th scope="col">Seen from</th>
          </tr>
        </thead>
        <tbody>
          {incidents.map((i) => (
            <tr key={i.id} class={i.resolved_at ? '' : 'open'}>
              <td title={dateTime(i.started_at)}>{dateTime(i.started_at)}</td>
              <td>{i.resolved_at ? <span>Resolved{i.resolution ? ` (${i.resolution})` : ''}</span> : <strong class="text-down">Ongoing</strong>}</td>
              <td>{i.resolved_at ? duration(i.duration_seconds) : <Ago at={i.started_at} />}</td>
              <td class="error-text">{i.cause || ''}</td>
              <td data-testid="incident-locations">{(i.locations || ['local']).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
