// Create or edit a monitor: the options every monitor has, then those of its check type (one module
// per type in ../checks), with the server's validation messages shown next to the fields they name.
import { useEffect, useRef, useState } from 'preact/hooks';
import { listLocations } from '../api/locations.js';
import { createMonitor, getMonitor, replaceMonitor } from '../api/monitors.js';
import { checkType, checkTypes } from '../checks/index.js';
import { number } from '../checks/number.js';
import { navigate } from '../router.js';
import { entries, upsertMonitor } from '../state.js';
import { Check, Field, errorFor } from '../components/Field.jsx';

/** Each type keeps its own fields, so that switching type and back loses nothing typed. */
const blank = () => ({
  name: '',
  type: checkTypes[0].type,
  interval: '60',
  timeout: '10',
  retries: '0',
  enabled: true,
  tags: '',
  depends_on: [],
  locations: ['local'],
  quorum: 'majority',
  quorum_count: '2',
  ...Object.fromEntries(checkTypes.map((c) => [c.type, { ...c.blank }])),
});

function fromMonitor(m) {
  const form = blank();
  return {
    ...form,
    name: m.name,
    type: m.config.type,
    interval: String(m.interval),
    timeout: String(m.timeout),
    retries: String(m.retries),
    enabled: m.enabled,
    tags: (m.tags || []).join(', '),
    depends_on: m.depends_on || [],
    locations: m.locations?.length ? m.locations : ['local'],
    quorum: typeof m.quorum === 'number' ? 'count' : m.quorum || 'majority',
    quorum_count: typeof m.quorum === 'number' ? String(m.quorum) : form.quorum_count,
    [m.config.type]: { ...form[m.config.type], ...checkType(m.config.type).fromConfig(m.config) },
  };
}

/** The request body, or field errors found before sending. */
function toRequest(f) {
  const { config, errors } = checkType(f.type).toConfig(f[f.type]);
  if (errors) return { errors };
  const tags = f.tags
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  // A number of locations is sent as a number; the server names a bad one under "quorum".
  const quorum = f.quorum === 'count' ? number(f.quorum_count) : f.quorum;
  return {
    body: {
      name: f.name,
      interval: number(f.interval),
      timeout: number(f.timeout),
      retries: number(f.retries),
      enabled: f.enabled,
      tags,
      depends_on: f.depends_on,
      locations: f.locations,
      quorum,
      config,
    },
  };
}

export function MonitorForm({ id }) {
  const editing = Boolean(id);
  const [form, setForm] = useState(editing ? null : blank);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  const [locations, setLocations] = useState([{ name: 'local', status: 'online', local: true }]);
  const formRef = useRef(null);
  // Once the user has typed, a fresher copy from the server must not overwrite what they typed.
  const edited = useRef(false);

  useEffect(() => {
    listLocations()
      .then(setLocations)
      .catch(() => {});
  }, []);

  useEffect(() => {
    if (!editing) return;
    edited.current = false;
    const known = entries.value.get(id)?.monitor.value;
    if (known) setForm(fromMonitor(known));
    getMonitor(id)
      .then((m) => edited.current || setForm(fromMonitor(m)))
      .catch((e) => setMessage(e.message));
  }, [id]);

  if (!form)
    return (
      <>
        <h1 tabIndex={-1}>Edit monitor</h1>
        {message ? <p class="form-error" role="alert">{message}</p> : <p class="muted">Loading…</p>}
      </>
    );

  const set = (key) => (value) => {
    edited.current = true;
    setForm((f) => ({ ...f, [key]: value }));
  };
  const text = (key) => ({ value: form[key], onInput: (e) => set(key)(e.currentTarget.value) });
  const err = (key) => errorFor(errors, key);
  // The type's own fields live under form[type].
  const typed = form[form.type];
  const setTyped = (key) => (value) => {
    edited.current = true;
    setForm((f) => ({ ...f, [f.type]: { ...f[f.type], [key]: value } }));
  };
  const typedText = (key) => ({ value: typed[key], onInput: (e) => setTyped(key)(e.currentTarget.value) });
  const { Fields } = checkType(form.type);

  const submit = async (event) => {
    event.preventDefault();
    setMessage(null);
    const request = toRequest(form);
    let problems = request.errors;
    if (!problems) {
      setBusy(true);
      try {
        const saved = editing ? await replaceMonitor(id, request.body) : await createMonitor(request.body);
        upsertMonitor(saved);
        navigate(`/monitors/${saved.id}`);
        return;
      } catch (e) {
        problems = e.errors;
        if (!Object.keys(problems).length) setMessage(e.message);
      } finally {
        setBusy(false);
      }
    }
    setErrors(problems);
    if (Object.keys(problems).length) {
      setMessage('Some fields need attention; see the messages below them.');
      // focus the first field with a message once it is rendered
      requestAnimationFrame(() => formRef.current?.querySelector('[aria-invalid="true"], .pairs.has-error input, .pairs.has-error button')?.focus());
    }
  };

  return (
    <>
      <h1 tabIndex={-1}>{editing ? `Edit ${form.name || 'monitor'}` : 'Add a monitor'}</h1>
      <form ref={formRef} class="monitor-form card" onSubmit={submit} noValidate>
        {message && (
          <p class="form-error" role="alert">
            {message}
          </p>
        )}
        <Field id="m-name" label="Name" error={err('name')}>
          <input {...text('name')} placeholder="API" autoComplete="off" />
        </Field>
        <fieldset class="type-choice">
          <legend>Check type</legend>
          <div class="segmented">
            {checkTypes.map((c) => (
              <label key={c.type}>
                <input type="radio" name="m-type" value={c.type} checked={form.type === c.type} onChange={() => set('type')(c.type)} /> {c.label}
              </label>
            ))}
          </div>
          {err('config.type') && <small class="field-error">{err('config.type')}</small>}
        </fieldset>
        <Fields form={typed} set={setTyped} text={typedText} err={err} />
        <div class="grid-3">
          <Field id="m-interval" label="Interval (seconds)" hint="10 to 86400" error={err('interval')}>
            <input type="number" inputMode="numeric" {...text('interval')} />
          </Field>
          <Field id="m-timeout" label="Timeout (seconds)" hint="Below the interval" error={err('timeout')}>
            <input type="number" inputMode="numeric" {...text('timeout')} />
          </Field>
          <Field id="m-retries" label="Retries" hint="Failures before down, minus one" error={err('retries')}>
            <input type="number" inputMode="numeric" {...text('retries')} />
          </Field>
        </div>
        <Field id="m-tags" label="Tags" hint="Comma-separated, such as prod, eu" error={err('tags')}>
          <input {...text('tags')} autoComplete="off" />
        </Field>
        <Field id="m-depends" label="Depends on" hint="While one of these is down, this monitor's failures open no incident" error={err('depends_on')}>
          <select
            multiple
            size={Math.min(5, Math.max(2, entries.value.size - 1))}
            onChange={(e) => set('depends_on')([...e.currentTarget.selectedOptions].map((o) => o.value))}
          >
            {[...entries.value.values()]
              .map((e) => e.monitor.value)
              .filter((other) => other.id !== id)
              .sort((a, b) => a.name.localeCompare(b.name))
              .map((other) => (
                <option key={other.id} value={other.id} selected={form.depends_on.includes(other.id)}>
                  {other.name}
                </option>
              ))}
          </select>
        </Field>
        <div class="grid-2">
          <Field id="m-locations" label="Locations" hint="Where it is checked from; local is this server (see Locations)" error={err('locations')}>
            <select multiple size={Math.min(5, Math.max(2, locations.length))} onChange={(e) => set('locations')([...e.currentTarget.selectedOptions].map((o) => o.value))}>
              {[...new Set([...locations.map((l) => l.name), ...form.locations])].map((name) => (
                <option key={name} value={name} selected={form.locations.includes(name)}>
                  {name}
                  {locations.find((l) => l.name === name)?.status === 'offline' ? ' (offline)' : ''}
                </option>
              ))}
            </select>
          </Field>
          <fieldset class={`quorum ${err('quorum') ? 'has-error' : ''}`} aria-describedby="m-quorum-hint">
            <legend>Down when failing from</legend>
            <div class="segmented">
              {[
                ['any', 'Any'],
                ['majority', 'A majority'],
                ['all', 'All'],
                ['count', 'A number'],
              ].map(([value, label]) => (
                <label key={value}>
                  <input type="radio" name="m-quorum" value={value} checked={form.quorum === value} onChange={() => set('quorum')(value)} /> {label}
                </label>
              ))}
            </div>
            {form.quorum === 'count' && (
              <Field id="m-quorum-count" label="Number of locations" error={err('quorum')}>
                <input type="number" inputMode="numeric" min="1" {...text('quorum_count')} />
              </Field>
            )}
            <small id="m-quorum-hint" class="hint">
              Of the locations that report; with one location, any choice means that one
            </small>
            {form.quorum !== 'count' && err('quorum') && (
              <small class="field-error" data-error-for="m-quorum">
                {err('quorum')}
              </small>
            )}
          </fieldset>
        </div>
        <div class="checks">
          <Check id="m-enabled" label="Enabled (uncheck to save it paused)" checked={form.enabled} onChange={set('enabled')} />
        </div>
        <div class="actions">
          <a class="button" href={editing ? `/monitors/${id}` : '/'}>
            Cancel
          </a>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : editing ? 'Save changes' : 'Create monitor'}
          </button>
        </div>
      </form>
    </>
  );
}
