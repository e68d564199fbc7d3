// One monitor: state, stats, latency chart, 90 days of uptime, recent checks, incidents and
// channels, kept live by the shared event stream.
import { useEffect, useState } from 'preact/hooks';
import { deleteMonitor, getLatency, getMonitor, getStats, getUptime, listChecks, listIncidents, updateMonitor } from '../api/monitors.js';
import { onLive } from '../live.js';
import { navigate } from '../router.js';
import { entries, removeMonitor, time, upsertMonitor } from '../state.js';
import { checkType } from '../checks/index.js';
import { Ago } from '../components/Ago.jsx';
import { confirm } from '../components/Confirm.jsx';
import { dateTime, duration, millis, percent } from '../components/format.js';
import { LatencyChart } from '../components/LatencyChart.jsx';
import { LinkedChannels } from '../components/LinkedChannels.jsx';
import { MonitorMarks } from '../components/MonitorMarks.jsx';
import { StatusBadge } from '../components/StatusBadge.jsx';
import { UptimeBars } from '../components/UptimeBars.jsx';
import { Checks, Incidents, PerLocation } from './MonitorTables.jsx';

const RANGES = { '24h': 1, '7d': 7, '30d': 30 };

function useMonitor(id) {
  const [missing, setMissing] = useState(null);
  const entry = entries.value.get(id);
  useEffect(() => {
    getMonitor(id)
      .then(upsertMonitor)
      .catch((e) => setMissing(e.status === 404 ? 'This monitor does not exist (any more).' : e.message));
    getStats(id)
      .then((s) => {
        const e = entries.value.get(id);
        if (e && !e.stats.value) e.stats.value = s.windows;
      })
      .catch(() => {});
  }, [id]);
  return { entry, missing };
}

function StatsGrid({ stats }) {
  const day = stats?.['24h'];
  return (
    <dl class="stats" data-testid="stats">
      {['24h', '7d', '30d', '90d'].map((w) => (
        <div key={w}>
          <dt>Uptime {w}</dt>
          <dd>{percent(stats?.[w]?.uptime)}</dd>
        </div>
      ))}
      {['p50', 'p95', 'p99'].map((p) => (
        <div key={p}>
          <dt>{p} 24h</dt>
          <dd>{millis(day?.[p])}</dd>
        </div>
      ))}
      <div>
        <dt>Checks 24h</dt>
        <dd>
          {day ? day.checks : '—'}
          {day?.failures ? <span class="muted"> ({day.failures} failed)</span> : null}
        </dd>
      </div>
    </dl>
  );
}

function Latency({ id, version }) {
  const [range, setRange] = useState('24h');
  const [series, setSeries] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    const to = new Date();
    const from = new Date(to.getTime() - RANGES[range] * 86400000);
    getLatency(id, from, to)
      .then(setSeries)
      .catch((e) => setError(e.message));
  }, [id, range, version]);
  return (
    <section class="card" aria-labelledby="latency-title">
      <div class="section-head">
        <h2 id="latency-title">Response time</h2>
        <div class="segmented" role="group" aria-label="Time range">
          {Object.keys(RANGES).map((r) => (
            <button key={r} type="button" aria-pressed={range === r} onClick={() => setRange(r)}>
              {r}
            </button>
          ))}
        </div>
      </div>
      {error ? <p class="form-error">{error}</p> : series ? <LatencyChart series={series} /> : <p class="muted">Loading…</p>}
    </section>
  );
}

function Uptime({ id, version }) {
  const [days, setDays] = useState(null);
  useEffect(() => {
    getUptime(id, 90).then(setDays).catch(() => setDays([]));
  }, [id, version]);
  return (
    <section class="card" aria-labelledby="uptime-title">
      <h2 id="uptime-title">Uptime, last 90 days</h2>
      {days ? <UptimeBars days={days} /> : <p class="muted">Loading…</p>}
    </section>
  );
}

export function MonitorDetail({ id }) {
  const { entry, missing } = useMonitor(id);
  const [checks, setChecks] = useState(null);
  const [incidents, setIncidents] = useState(null);
  const [loadErrors, setLoadErrors] = useState({});
  const [version, setVersion] = useState(0);
  const [checked, setChecked] = useState(0);
  const [error, setError] = useState(null);

  useEffect(() => {
    // Live events may arrive before the first page of checks and incidents does: they are merged in.
    const early = { checks: [], incidents: [] };
    const merge = (key, field, loaded, live) => {
      const seen = new Map(loaded.map((item) => [item[key], item]));
      for (const item of live) seen.set(item[key], item);
      return [...seen.values()].sort((a, b) => time(b[field]) - time(a[field])).slice(0, 25);
    };
    listChecks(id, 25)
      .then((loaded) => setChecks(merge('checked_at', 'checked_at', loaded, early.checks)))
      .catch((e) => {
        setLoadErrors((errors) => ({ ...errors, checks: e.message }));
        setChecks(early.checks);
      })
      .finally(() => (early.checks = null));
    listIncidents(id, 25)
      .then((loaded) => setIncidents(merge('id', 'started_at', loaded, early.incidents)))
      .catch((e) => {
        setLoadErrors((errors) => ({ ...errors, incidents: e.message }));
        setIncidents(early.incidents);
      })
      .finally(() => (early.incidents = null));
    let refreshed = Date.now();
    return onLive((message) => {
      if (message.monitor_id !== id) return;
      if (message.type === 'check_result') {
        const { type, monitor_status, ...check } = message;
        early.checks?.push(check);
        setChecks((list) => list && merge('checked_at', 'checked_at', list, [check]));
        setChecked((n) => n + 1);
      } else if (message.type === 'incident_opened' || message.type === 'incident_resolved') {
        early.incidents?.push(message.incident);
        setIncidents((list) => list && merge('id', 'started_at', list, [message.incident]));
      } else if (message.type === 'stats_update' && Date.now() - refreshed > 60000) {
        refreshed = Date.now();
        setVersion((v) => v + 1);
      }
    });
  }, [id]);

  if (!entry)
    return missing ? (
      <section class="empty">
        <h1 tabIndex={-1}>Monitor not found</h1>
        <p>{missing}</p>
        <a href="/">Back to the monitors</a>
      </section>
    ) : (
      <p class="muted">Loading…</p>
    );

  const m = entry.monitor.value;
  const act = async (work) => {
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(e.message);
    }
  };
  const toggle = () => act(async () => upsertMonitor(await updateMonitor(id, { enabled: !m.enabled })));
  const remove = async () => {
    const yes = await confirm({
      title: `Delete ${m.name}?`,
      message: 'Its checks, incidents, stats and channel links are deleted too. This cannot be undone.',
      action: 'Delete monitor',
    });
    if (yes)
      act(async () => {
        await deleteMonitor(id);
        removeMonitor(id);
        navigate('/');
      });
  };

  // Checked from more than this server: the page says where each check ran.
  const located = !(m.locations?.length === 1 && m.locations[0] === 'local');
  // A check type may say when it checks, and add a part of its own (push: the URL the job reports to).
  const type = checkType(m.config.type);
  const TypeDetail = type.Detail;

  return (
    <>
      <p class="crumbs">
        <a href="/">Monitors</a> /
      </p>
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>
            {m.name} <StatusBadge status={m.status} />
          </h1>
          <p class="url">
            {m.config.method && <span class="method">{m.config.method}</span>} {m.target}
          </p>
          <p class="muted meta">
            {type.schedule ? type.schedule(m) : `Every ${duration(m.interval)} · timeout ${m.timeout} s`} · {m.retries} {m.retries === 1 ? 'retry' : 'retries'} · last check{' '}
            <Ago at={m.last_checked_at} />
            {m.tls_expires_at && <> · certificate expires {dateTime(m.tls_expires_at)}</>}
          </p>
          <MonitorMarks monitor={m} />
        </div>
        <div class="actions">
          <button type="button" onClick={toggle}>
            {m.enabled ? 'Pause' : 'Resume'}
          </button>
          <a class="button" href={`/monitors/${id}/edit`}>
            Edit
          </a>
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
        </div>
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {m.in_maintenance && (
        <p class="notice banner-maintenance" role="status" data-testid="maintenance-banner">
          In maintenance: checks go on, but no incident opens and no alert is sent until the window ends (see <a href="/maintenance">Maintenance</a>).
        </p>
      )}
      {m.blocked_by?.length > 0 && (
        <p class="notice" role="status">
          Blocked by{' '}
          {m.blocked_by.map((pid, i) => (
            <span key={pid}>
              {i > 0 && ', '}
              <a href={`/monitors/${pid}`}>{entries.value.get(pid)?.monitor.value.name || pid}</a>
            </span>
          ))}
          : a parent is down, so this monitor's failures open no incident.
        </p>
      )}
      {m.status === 'paused' && <p class="notice">Paused: no checks run and paused time counts neither as up nor as down.</p>}
      {m.status === 'degraded' && (
        <p class="notice notice-degraded" data-testid="degraded-reason">
          Degraded{m.degraded_reason ? `: ${m.degraded_reason}` : ''}. It is up, and this time counts apart from down time.
        </p>
      )}
      {TypeDetail && <TypeDetail monitor={m} />}
      <StatsGrid stats={entry.stats.value} />
      <Latency id={id} version={version} />
      <Uptime id={id} version={version} />
      {located && (
        <section class="card" aria-labelledby="locations-title">
          <h2 id="locations-title">Locations</h2>
          <p class="muted">Down when failing from {typeof m.quorum === 'number' ? `${m.quorum} of` : m.quorum === 'majority' ? 'a majority of' : m.quorum} the locations that report.</p>
          <PerLocation id={id} version={version} status={m.status} checked={checked} />
        </section>
      )}
      <section class="card" aria-labelledby="checks-title">
        <h2 id="checks-title">Recent checks</h2>
        <Checks checks={checks} error={loadErrors.checks} located={located} />
      </section>
      <section class="card" aria-labelledby="incidents-title">
        <h2 id="incidents-title">Incidents</h2>
        <Incidents incidents={incidents} error={loadErrors.incidents} />
      </section>
      <section class="card" aria-labelledby="channels-title">
        <h2 id="channels-title">Notification channels</h2>
        <LinkedChannels monitorId={id} monitorName={m.name} />
      </section>
    </>
  );
}
