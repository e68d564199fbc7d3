// Maintenance windows: the list with each window's next occurrences, and a form for the four
// schedule kinds (once, weekly, monthly, cron) in a time zone, aimed at monitors and tags.
import { useEffect, useState } from 'preact/hooks';
import { listChannels } from '../api/channels.js';
import { createWindow, deleteWindow, getWindow, listTags, listWindows, updateWindow } from '../api/maintenance.js';
import { number } from '../checks/number.js';
import { navigate } from '../router.js';
import { entries, loadMonitors } from '../state.js';
import { confirm } from '../components/Confirm.jsx';
import { Check, Field, errorFor } from '../components/Field.jsx';
import { dateTime } from '../components/format.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const KINDS = { once: 'Once', weekly: 'Weekly', monthly: 'Monthly', cron: 'Cron' };
const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
const here = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function summary(s) {
  const at = `at ${s.start_time} for ${s.duration_minutes} min (${s.timezone})`;
  if (s.type === 'once') return `Once, ${dateTime(s.start)} to ${dateTime(s.end)}`;
  if (s.type === 'weekly') return `Every ${s.days.join(', ')} ${at}`;
  if (s.type === 'monthly') return `Monthly on ${s.last_day ? 'the last day' : `day ${s.day_of_month}`} ${at}`;
  return `Cron “${s.expression}” for ${s.duration_minutes} min (${s.timezone})`;
}

/** datetime-local text ↔ ISO instants, in the browser's zone. */
const localText = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
};
const instant = (text) => (text ? new Date(text).toISOString() : '');

const blank = () => ({
  title: '',
  description: '',
  type: 'weekly',
  start: '',
  end: '',
  days: ['sun'],
  start_time: '02:00',
  duration: '60',
  day_of_month: '1',
  last_day: false,
  expression: '0 3 * * sun',
  timezone: here,
  monitors: [],
  tags: [],
  notify_channels: [],
});

function fromWindow(w) {
  const s = w.schedule;
  return {
    ...blank(),
    title: w.title,
    description: w.description || '',
    type: s.type,
    start: localText(s.start),
    end: localText(s.end),
    days: s.days || ['sun'],
    start_time: s.start_time || '02:00',
    duration: String(s.duration_minutes ?? 60),
    day_of_month: String(s.day_of_month ?? 1),
    last_day: Boolean(s.last_day),
    expression: s.expression || '0 3 * * sun',
    timezone: s.timezone || here,
    monitors: w.monitors,
    tags: w.tags,
    notify_channels: w.notify_channels,
  };
}

function toBody(f) {
  const minutes = number(f.duration);
  const schedule = {
    once: () => ({ type: 'once', start: instant(f.start), end: instant(f.end) }),
    weekly: () => ({ type: 'weekly', days: f.days, start_time: f.start_time, duration_minutes: minutes, timezone: f.timezone }),
    monthly: () => ({
      type: 'monthly',
      ...(f.last_day ? { last_day: true } : { day_of_month: number(f.day_of_month) }),
      start_time: f.start_time,
      duration_minutes: minutes,
      timezone: f.timezone,
    }),
    cron: () => ({ type: 'cron', expression: f.expression, duration_minutes: minutes, timezone: f.timezone }),
  }[f.type]();
  return { title: f.title, description: f.description || null, monitors: f.monitors, tags: f.tags, notify_channels: f.notify_channels, schedule };
}

/** A set of checkboxes over [value, label] pairs, as one fieldset. */
function Choices({ legend, name, options, chosen, onChange, error, empty }) {
  const toggle = (value, on) => onChange(on ? [...chosen, value] : chosen.filter((v) => v !== value));
  return (
    <fieldset class={`choices ${error ? 'has-error' : ''}`}>
      <legend>{legend}</legend>
      {options.length ? (
        options.map(([value, label]) => (
          <Check key={value} id={`${name}-${value}`} label={label} checked={chosen.includes(value)} onChange={(on) => toggle(value, on)} />
        ))
      ) : (
        <p class="muted">{empty}</p>
      )}
      {error && (
        <small class="field-error" data-error-for={name}>
          {error}
        </small>
      )}
    </fieldset>
  );
}

export function MaintenanceForm({ id }) {
  const editing = Boolean(id);
  const [form, setForm] = useState(editing ? null : blank);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [tags, setTags] = useState([]);
  const [channels, setChannels] = useState([]);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listTags().then(setTags).catch(() => {});
    listChannels().then(setChannels).catch(() => {});
    if (editing)
      getWindow(id)
        .then((w) => setForm(fromWindow(w)))
        .catch((e) => setMessage(e.message));
  }, [id]);

  if (!form) return <p class="muted">{message || 'Loading…'}</p>;
  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));
  const text = (key) => ({ value: form[key], onInput: (e) => set(key)(e.currentTarget.value) });
  const err = (key) => errorFor(errors, key);

  const submit = async (event) => {
    event.preventDefault();
    setMessage(null);
    setBusy(true);
    try {
      const body = toBody(form);
      const saved = editing ? await updateWindow(id, body) : await createWindow(body);
      loadMonitors();
      navigate(`/maintenance#w-${saved.id}`);
    } catch (e) {
      setErrors(e.errors);
      setMessage(Object.keys(e.errors).length ? 'Some fields need attention; see the messages below them.' : e.message);
    } finally {
      setBusy(false);
    }
  };

  const timed = form.type !== 'once';
  const monitorOptions = [...entries.value.values()].map((e) => [e.id, e.monitor.value.name]).sort((a, b) => a[1].localeCompare(b[1]));
  return (
    <>
      <h1 tabIndex={-1}>{editing ? `Edit ${form.title || 'window'}` : 'Plan maintenance'}</h1>
      <form class="card maintenance-form" onSubmit={submit} noValidate>
        {message && (
          <p class="form-error" role="alert">
            {message}
          </p>
        )}
        <Field id="w-title" label="Title" error={err('title')}>
          <input {...text('title')} autoComplete="off" />
        </Field>
        <Field id="w-description" label="Description" hint="Optional" error={err('description')}>
          <input {...text('description')} autoComplete="off" />
        </Field>
        <fieldset>
          <legend>Schedule</legend>
          <div class="segmented">
            {Object.entries(KINDS).map(([kind, label]) => (
              <label key={kind}>
                <input type="radio" name="w-type" value={kind} checked={form.type === kind} onChange={() => set('type')(kind)} /> {label}
              </label>
            ))}
          </div>
          {err('schedule') && !err('schedule.type') && <p class="field-error">{errors.schedule?.join('; ')}</p>}
          {form.type === 'once' && (
            <div class="grid-3">
              <Field id="w-start" label="Starts" error={err('schedule.start')}>
                <input type="datetime-local" {...text('start')} />
              </Field>
              <Field id="w-end" label="Ends" error={err('schedule.end')}>
                <input type="datetime-local" {...text('end')} />
              </Field>
            </div>
          )}
          {form.type === 'weekly' && (
            <Choices legend="Days" name="w-days" options={DAYS.map((d) => [d, d])} chosen={form.days} onChange={set('days')} error={err('schedule.days')} />
          )}
          {form.type === 'monthly' && (
            <div class="grid-3">
              <Field id="w-day" label="Day of the month" hint="1 to 31" error={err('schedule.day_of_month')}>
                <input type="number" inputMode="numeric" disabled={form.last_day} {...text('day_of_month')} />
              </Field>
              <Check id="w-last-day" label="The last day of each month" checked={form.last_day} onChange={set('last_day')} />
            </div>
          )}
          {form.type === 'cron' && (
            <Field id="w-cron" label="Cron expression" hint="minute hour day month weekday" error={err('schedule.expression')}>
              <input {...text('expression')} autoComplete="off" />
            </Field>
          )}
          {timed && (
            <div class="grid-3">
              {form.type !== 'cron' && (
                <Field id="w-time" label="Start time" hint="HH:MM, local to the time zone" error={err('schedule.start_time')}>
                  <input type="time" {...text('start_time')} />
                </Field>
              )}
              <Field id="w-duration" label="Duration (minutes)" error={err('schedule.duration_minutes')}>
                <input type="number" inputMode="numeric" {...text('duration')} />
              </Field>
              <Field id="w-zone" label="Time zone" hint="IANA, such as Europe/Berlin" error={err('schedule.timezone')}>
                <input list="w-zones" {...text('timezone')} autoComplete="off" />
              </Field>
              <datalist id="w-zones">
                {zones.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </div>
          )}
        </fieldset>
        <Choices legend="Monitors" name="w-monitors" options={monitorOptions} chosen={form.monitors} onChange={set('monitors')} error={err('monitors')} empty="No monitors yet." />
        <Choices legend="Tags" name="w-tags" options={tags.map((t) => [t.name, `${t.name} (${t.monitors})`])} chosen={form.tags} onChange={set('tags')} error={err('tags')} empty="No tags in use." />
        <Choices
          legend="Tell these channels when it starts and ends"
          name="w-channels"
          options={channels.map((c) => [c.id, c.name])}
          chosen={form.notify_channels}
          onChange={set('notify_channels')}
          error={err('notify_channels')}
          empty="No channels."
        />
        <div class="actions">
          <a class="button" href="/maintenance">
            Cancel
          </a>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Saving…' : editing ? 'Save changes' : 'Create window'}
          </button>
        </div>
      </form>
    </>
  );
}

function WindowCard({ w, onDeleted }) {
  const names = w.affected_monitors.map((id) => entries.value.get(id)?.monitor.value.name || id);
  const remove = async () => {
    if (!(await confirm({ title: `Delete ${w.title}?`, message: 'Its monitors are watched and alerted on as usual again.', action: 'Delete window' }))) return;
    await deleteWindow(w.id);
    loadMonitors();
    onDeleted(w.id);
  };
  return (
    <section class="card window" id={`w-${w.id}`} data-window={w.title} aria-labelledby={`w-${w.id}-title`}>
      <div class="section-head">
        <h2 id={`w-${w.id}-title`}>
          {w.title} {w.active && <span class="badge badge-maintenance">Active now</span>}
        </h2>
        <div class="actions">
          <a class="button small" href={`/maintenance/${w.id}/edit`}>
            Edit
          </a>
          <button type="button" class="small danger" onClick={remove}>
            Delete
          </button>
        </div>
      </div>
      {w.description && <p>{w.description}</p>}
      <p class="meta">{summary(w.schedule)}</p>
      <p class="meta">
        Covers {names.length ? names.join(', ') : 'no monitors'}
        {w.tags.length ? ` (tags: ${w.tags.join(', ')})` : ''}
      </p>
      <h3>Next occurrences</h3>
      <ol class="occurrences" data-testid="occurrences">
        {w.next_occurrences.map((o) => (
          <li key={o.start}>
            {dateTime(o.start)} – {dateTime(o.end)}
          </li>
        ))}
      </ol>
    </section>
  );
}

export function Maintenance() {
  const [windows, setWindows] = useState(null);
  const [message, setMessage] = useState(null);
  useEffect(() => {
    listWindows()
      .then(setWindows)
      .catch((e) => setMessage(e.message));
  }, []);
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Maintenance</h1>
        <a class="button primary" href="/maintenance/new">
          Plan maintenance
        </a>
      </div>
      <p class="muted">While a window covers a monitor, its checks go on, but no incident opens, no alert is sent, and the time counts neither as up nor as down.</p>
      {message && (
        <p class="form-error" role="alert">
          {message}
        </p>
      )}
      {windows === null ? (
        !message && <p class="muted">Loading…</p>
      ) : windows.length === 0 ? (
        <p class="empty muted">No maintenance windows.</p>
      ) : (
        windows.map((w) => <WindowCard key={w.id} w={w} onDeleted={(gone) => setWindows((list) => list.filter((x) => x.id !== gone))} />)
      )}
    </>
  );
}
