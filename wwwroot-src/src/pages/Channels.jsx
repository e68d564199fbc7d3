// Notification channels: create per type, edit (secrets stay masked unless changed), send a
// test and see the outcome, read the delivery log, delete. The form is made from the types the
// server describes (GET /api/v1/notification-channel-types), so a new type needs nothing here.
import { useEffect, useState } from 'preact/hooks';
import { channelTypes, createChannel, deleteChannel, deliveries, listChannels, testChannel, updateChannel } from '../api/channels.js';
import { Ago } from '../components/Ago.jsx';
import { confirm } from '../components/Confirm.jsx';
import { Check, Field, errorFor } from '../components/Field.jsx';
import { dateTime } from '../components/format.js';

const MASK = '********';

/** What the form shows for a field: text for inputs, lines for a list, a flag for a checkbox. */
function shown(field, value) {
  if (field.kind === 'boolean') return value === true;
  if (field.kind === 'string_list') return (value || []).join('\n');
  if (field.kind === 'enum') return value ?? (field.required ? field.options[0] : '');
  return value == null ? '' : String(value);
}

/** What the API gets for a field. An emptied field is sent empty, which clears it (or is refused
 * when required); a secret left as the mask keeps its stored value. */
function sent(field, value) {
  if (field.kind === 'boolean') return value;
  if (field.kind === 'string_list') return value.split('\n').map((line) => line.trim()).filter(Boolean);
  const text = value.trim();
  if (field.kind === 'integer') return text === '' ? null : /^-?\d+$/.test(text) ? Number(text) : text;
  return text;
}

function Label({ field }) {
  return (
    <>
      {field.label}
      {field.required ? (
        <span class="text-down" aria-hidden="true">
          {' '}
          *
        </span>
      ) : (
        ' (optional)'
      )}
    </>
  );
}

function ConfigField({ field, id, value, error, onChange }) {
  const hint = field.secret && value === MASK ? 'Stored and hidden; leave it to keep it, or type a new value.' : field.help;
  if (field.kind === 'boolean')
    return (
      <div class={error ? 'has-error' : ''}>
        <Check id={id} label={field.label} checked={value} onChange={onChange} hint={hint} />
        {error && (
          <small class="field-error" data-error-for={id}>
            {error}
          </small>
        )}
      </div>
    );
  const common = { value, 'aria-required': field.required ? 'true' : undefined, onInput: (e) => onChange(e.currentTarget.value) };
  const control =
    field.kind === 'enum' ? (
      <select {...common} onChange={common.onInput}>
        {!field.required && <option value="">—</option>}
        {field.options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    ) : field.kind === 'string_list' ? (
      <textarea {...common} rows={3} placeholder={field.placeholder || 'One per line'} spellcheck={false} />
    ) : (
      <input
        {...common}
        type={field.secret ? 'password' : field.kind === 'integer' ? 'number' : 'text'}
        inputMode={field.kind === 'url' ? 'url' : field.kind === 'integer' ? 'numeric' : undefined}
        placeholder={field.placeholder || undefined}
        onFocus={(e) => field.secret && e.currentTarget.value === MASK && e.currentTarget.select()}
        autoComplete={field.secret ? 'new-password' : 'off'}
        spellcheck={false}
      />
    );
  return (
    <Field id={id} label={<Label field={field} />} hint={hint} error={error}>
      {control}
    </Field>
  );
}

function ChannelForm({ types, channel, onSaved, onCancel }) {
  const [name, setName] = useState(channel?.name || '');
  const [type, setType] = useState(channel?.config.type || types[0].type);
  // What the form shows, per type: switching types back and forth loses nothing typed.
  const [values, setValues] = useState(() => {
    const stored = channel && types.find((t) => t.type === channel.config.type);
    return stored ? { [stored.type]: Object.fromEntries(stored.fields.map((f) => [f.name, shown(f, channel.config[f.name])])) } : {};
  });
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  const prefix = channel ? `edit-${channel.id}` : 'new';
  const current = types.find((t) => t.type === type) || types[0];
  const valueOf = (field) => values[type]?.[field.name] ?? shown(field);
  const set = (field, value) => setValues((v) => ({ ...v, [type]: { ...v[type], [field.name]: value } }));

  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setMessage(null);
    const config = { type };
    for (const field of current.fields) {
      const value = sent(field, valueOf(field));
      // A new channel has nothing to clear.
      if (value !== null && !(value === '' && !channel)) config[field.name] = value;
    }
    try {
      onSaved(channel ? await updateChannel(channel.id, { name, config }) : await createChannel({ name, config }));
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
        <Field id={`${prefix}-type`} label="Type" hint={current.description} error={errorFor(errors, 'config.type')}>
          <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      {current.fields.map((field) => (
        <ConfigField key={type + field.name} field={field} id={`${prefix}-${field.name}`} value={valueOf(field)} error={errorFor(errors, `config.${field.name}`)} onChange={(v) => set(field, v)} />
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
    deliveries(channelId)
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

/** The type and what identifies the channel: its URLs and other plain values, never a secret. */
function summary(type, config) {
  const parts = [type?.label || config.type];
  for (const field of type?.fields || []) {
    const value = config[field.name];
    if (field.secret || value == null || value === '' || value === false) continue;
    parts.push(field.kind === 'url' ? value : value === true ? field.label.toLowerCase() : `${field.label.toLowerCase()} ${[].concat(value).join(', ')}`);
  }
  return parts.join(' · ');
}

function ChannelCard({ types, channel, onChanged, onDeleted }) {
  const [editing, setEditing] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const [testing, setTesting] = useState(false);
  const [showLog, setShowLog] = useState(false);
  const [version, setVersion] = useState(0);

  const test = async () => {
    setTesting(true);
    setOutcome(null);
    try {
      const r = await testChannel(channel.id);
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
        await deleteChannel(channel.id);
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
          types={types}
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
          <p class="muted">{summary(types.find((t) => t.type === channel.config.type), channel.config)}</p>
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
  const [types, setTypes] = useState(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState(null);
  useEffect(() => {
    Promise.all([listChannels(), channelTypes()])
      .then(([c, t]) => {
        setTypes(t);
        setChannels(c);
      })
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
                A channel is where Flatline sends alerts: {types.map((t) => t.label).join(', ')}. Create one here, send it a test, then link it on a monitor's page.
              </p>
            </div>
          )}
          {(creating || channels.length === 0) && (
            <ChannelForm
              types={types}
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
                types={types}
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
