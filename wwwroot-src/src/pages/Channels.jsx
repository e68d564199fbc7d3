// Notification channels: create per type, edit (secrets stay masked unless changed), send a
// test and see the outcome, read the delivery log, delete.
import { useEffect, useState } from 'preact/hooks';
import { del, get, patch, post } from '../api/http.js';
import { Ago } from '../components/Ago.jsx';
import { confirm } from '../components/Confirm.jsx';
import { Field, errorFor } from '../components/Field.jsx';
import { dateTime } from '../components/format.js';

const MASK = '********';

// The fields of each type: [key, label, hint, required, secret]
const TYPES = {
  slack: ['Slack', [['url', 'Incoming webhook URL', 'https://hooks.slack.com/services/…', true, true]]],
  discord: ['Discord', [['url', 'Webhook URL', 'https://discord.com/api/webhooks/…', true, true]]],
  telegram: [
    'Telegram',
    [
      ['url', 'Bot API URL with the token', 'https://api.telegram.org/bot<token>', true, true],
      ['chat_id', 'Chat ID', 'The chat, group or channel to post to', true, false],
    ],
  ],
  webhook: [
    'Webhook',
    [
      ['url', 'URL', 'Receives a JSON POST for every event', true, false],
      ['secret', 'Signing secret (optional)', 'Signs requests the Standard Webhooks way: 16+ characters or whsec_…', false, true],
    ],
  ],
  ntfy: [
    'ntfy',
    [
      ['url', 'Server URL', 'https://ntfy.sh', true, false],
      ['topic', 'Topic', 'Letters, digits, - and _', true, false],
      ['token', 'Access token (optional)', null, false, true],
    ],
  ],
  gotify: [
    'Gotify',
    [
      ['url', 'Server URL', 'https://gotify.example.com', true, false],
      ['token', 'Application token', null, true, true],
    ],
  ],
  pagerduty: ['PagerDuty', [['routing_key', 'Routing key', 'Events API v2 integration key', true, true]]],
};

function ChannelForm({ channel, onSaved, onCancel }) {
  const [name, setName] = useState(channel?.name || '');
  const [type, setType] = useState(channel?.config.type || 'webhook');
  const [config, setConfig] = useState(channel ? { ...channel.config } : {});
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  const prefix = channel ? `edit-${channel.id}` : 'new';

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    const body = { type };
    for (const [key] of TYPES[type][1]) if (config[key]) body[key] = config[key].trim();
    try {
      const saved = channel ? await patch(`/api/v1/notification-channels/${channel.id}`, { name, config: body }) : await post('/api/v1/notification-channels', { name, config: body });
      onSaved(saved);
    } catch (e) {
      setErrors(e.errors);
      setMessage(Object.keys(e.errors).length ? 'Some fields need attention.' : e.message);
      setBusy(false);
    }
  };

  return (
    <form class="card channel-form" onSubmit={submit} noValidate aria-label={channel ? `Edit ${channel.name}` : 'New channel'}>
      <h2>{channel ? `Edit ${channel.name}` : 'New channel'}</h2>
      {message && (
        <p class="form-error" role="alert">
          {message}
        </p>
      )}
      <div class="grid-2">
        <Field id={`${prefix}-name`} label="Name" error={errorFor(errors, 'name')}>
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="Ops on-call" autoComplete="off" />
        </Field>
        <Field id={`${prefix}-type`} label="Type" error={errorFor(errors, 'config.type')}>
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            {Object.entries(TYPES).map(([value, [label]]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {TYPES[type][1].map(([key, label, hint, , secret]) => (
        <Field
          key={type + key}
          id={`${prefix}-${key}`}
          label={label}
          hint={secret && config[key] === MASK ? 'Stored and hidden; leave it to keep it, or type a new value.' : hint}
          error={errorFor(errors, `config.${key}`)}
        >
          <input
            value={config[key] || ''}
            onInput={(e) => setConfig((c) => ({ ...c, [key]: e.currentTarget.value }))}
            onFocus={(e) => secret && e.currentTarget.value === MASK && e.currentTarget.select()}
            autoComplete="off"
            spellcheck={false}
          />
        </Field>
      ))}
      <div class="actions">
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {channel ? 'Save channel' : 'Create channel'}
        </button>
      </div>
    </form>
  );
}

function Deliveries({ channelId, version }) {
  const [rows, setRows] = useState(null);
  useEffect(() => {
    get(`/api/v1/notification-channels/${channelId}/deliveries?limit=25`)
      .then(setRows)
      .catch(() => setRows([]));
  }, [channelId, version]);
  if (!rows) return <p class="muted">Loading…</p>;
  if (!rows.length) return <p class="muted">Nothing sent yet. Send a test to check the channel.</p>;
  return (
    <div class="table-scroll">
      <table class="list" data-testid="deliveries">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Attempt</th>
            <th scope="col">Outcome</th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.event_id + r.attempt}>
              <td title={dateTime(r.attempted_at)}>
                <Ago at={r.attempted_at} />
              </td>
              <td>{r.event}</td>
              <td>{r.attempt}</td>
              <td class={r.delivered ? 'text-up' : 'text-down'}>
                {r.delivered ? 'delivered' : 'failed'}
                {r.status_code ? ` (HTTP ${r.status_code})` : ''} in {r.duration_ms} ms{r.error ? `: ${r.error}` : ''}
              </td>
              <td>
                {r.state}
                {r.next_attempt_at && (
                  <span class="muted">
                    {' '}
                    · next {dateTime(r.next_attempt_at)}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ChannelCard({ channel, onChanged, onDeleted }) {
  const [editing, setEditing] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const [testing, setTesting] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const [version, setVersion] = useState(0);
  const c = channel.config;

  const test = async () => {
    setTesting(true);
    setOutcome(null);
    try {
      const r = await post(`/api/v1/notification-channels/${channel.id}/test`);
      setOutcome({ ok: r.delivered, text: r.delivered ? `Test delivered${r.status_code ? ` (HTTP ${r.status_code})` : ''} in ${r.duration_ms} ms.` : `Test failed${r.status_code ? ` (HTTP ${r.status_code})` : ''}: ${r.error || 'no reason given'}` });
    } catch (e) {
      setOutcome({ ok: false, text: `Test failed: ${e.message}` });
    }
    setTesting(false);
    setVersion((v) => v + 1);
  };
  const remove = async () => {
    if (await confirm({ title: `Delete ${channel.name}?`, message: 'Its links to monitors and its delivery log are deleted too.', action: 'Delete channel' })) {
      try {
        await del(`/api/v1/notification-channels/${channel.id}`);
        onDeleted(channel.id);
      } catch (e) {
        setOutcome({ ok: false, text: e.message });
      }
    }
  };

  if (editing)
    return (
      <li>
        <ChannelForm
          channel={channel}
          onSaved={(saved) => {
            setEditing(false);
            onChanged(saved);
          }}
          onCancel={() => setEditing(false)}
        />
      </li>
    );
  return (
    <li class="card channel" data-channel={channel.name}>
      <div class="section-head">
        <div>
          <h2>{channel.name}</h2>
          <p class="muted">
            {TYPES[c.type]?.[0] || c.type}
            {c.url && c.url !== MASK ? ` · ${c.url}` : ''}
            {c.topic ? ` · topic ${c.topic}` : ''}
            {c.chat_id ? ` · chat ${c.chat_id}` : ''}
          </p>
        </div>
        <div class="actions">
          <button type="button" onClick={test} disabled={testing}>
            {testing ? 'Sending…' : 'Send test'}
          </button>
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
          <button type="button" aria-expanded={showLog} onClick={() => setShowLog(!showLog)}>
            Delivery log
          </button>
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
        </div>
      </div>
      <p class={`outcome ${outcome ? (outcome.ok ? 'text-up' : 'text-down') : ''}`} role="status" data-testid="test-outcome">
        {outcome?.text}
      </p>
      {showLog && <Deliveries channelId={channel.id} version={version} />}
    </li>
  );
}

export function Channels() {
  const [channels, setChannels] = useState(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    get('/api/v1/notification-channels')
      .then(setChannels)
      .catch((e) => setError(e.message));
  }, []);

  const sorted = channels && [...channels].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Notification channels</h1>
        {channels?.length > 0 && !creating && (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New channel
          </button>
        )}
      </div>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {!channels ? (
        !error && <p class="muted">Loading…</p>
      ) : (
        <>
          {channels.length === 0 && (
            <div class="empty card">
              <h2>No channels yet</h2>
              <p>
                A channel is where Flatline sends alerts: Slack, Discord, Telegram, a webhook, ntfy, Gotify or PagerDuty. Create one here, send it a test, then link it on a monitor's page.
              </p>
            </div>
          )}
          {(creating || channels.length === 0) && (
            <ChannelForm
              onSaved={(saved) => {
                setChannels([...channels, saved]);
                setCreating(false);
              }}
              onCancel={channels.length ? () => setCreating(false) : null}
            />
          )}
          <ul class="plain channels">
            {sorted.map((c) => (
              <ChannelCard
                key={c.id}
                channel={c}
                onChanged={(saved) => setChannels(channels.map((x) => (x.id === saved.id ? saved : x)))}
                onDeleted={(id) => setChannels(channels.filter((x) => x.id !== id))}
              />
            ))}
          </ul>
        </>
      )}
    </>
  );
}
