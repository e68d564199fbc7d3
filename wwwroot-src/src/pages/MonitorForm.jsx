// Create or edit a monitor: every option of the HTTP check, with the server's validation
// messages shown next to the fields they name.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, put } from '../api.js';
import { navigate } from '../router.js';
import { entries, upsertMonitor } from '../state.js';
import { Check, Field, errorFor } from '../components/Field.jsx';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

const blank = {
  name: '',
  url: '',
  method: 'GET',
  interval: '60',
  timeout: '10',
  retries: '0',
  expected: '',
  headers: [],
  bodyType: 'none',
  json: '',
  fields: [],
  keyword: '',
  follow_redirects: true,
  verify_tls: true,
  enabled: true,
};

function fromMonitor(m) {
  const c = m.config;
  return {
    name: m.name,
    url: c.url,
    method: c.method,
    interval: String(m.interval),
    timeout: String(m.timeout),
    retries: String(m.retries),
    expected: (c.expected_status || []).join(', '),
    headers: Object.entries(c.headers || {}),
    bodyType: c.body?.type || 'none',
    json: c.body?.type === 'json' ? JSON.stringify(c.body.content, null, 2) : '',
    fields: c.body?.type === 'form' ? Object.entries(c.body.fields || {}) : [],
    keyword: c.keyword || '',
    follow_redirects: c.follow_redirects,
    verify_tls: c.verify_tls,
    enabled: m.enabled,
  };
}

const number = (text) => (text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : text);

/** The request body, or field errors found before sending (only what the server cannot see: bad JSON). */
function toRequest(f) {
  const expected = f.expected
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  let body = null;
  if (f.bodyType === 'json') {
    try {
      body = { type: 'json', content: JSON.parse(f.json) };
    } catch {
      return { errors: { 'config.body.content': ['is not valid JSON'] } };
    }
  } else if (f.bodyType === 'form') {
    body = { type: 'form', fields: Object.fromEntries(f.fields.filter(([k]) => k.trim())) };
  }
  const headers = f.headers.filter(([k, v]) => k.trim() || v.trim());
  return {
    body: {
      name: f.name,
      interval: number(f.interval),
      timeout: number(f.timeout),
      retries: number(f.retries),
      enabled: f.enabled,
      config: {
        type: 'http',
        url: f.url.trim(),
        method: f.method,
        ...(expected.length ? { expected_status: expected } : {}),
        ...(headers.length ? { headers: Object.fromEntries(headers.map(([k, v]) => [k.trim(), v])) } : {}),
        ...(body ? { body } : {}),
        keyword: f.keyword === '' ? null : f.keyword,
        follow_redirects: f.follow_redirects,
        verify_tls: f.verify_tls,
      },
    },
  };
}

function Pairs({ id, legend, rows, onChange, error, add, namePlaceholder, valuePlaceholder }) {
  const set = (i, j, value) => onChange(rows.map((r, k) => (k === i ? (j ? [r[0], value] : [value, r[1]]) : r)));
  return (
    <fieldset class={`pairs ${error ? 'has-error' : ''}`} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      {rows.map(([k, v], i) => (
        <div class="pair" key={i}>
          <input aria-label={`${namePlaceholder} ${i + 1}`} placeholder={namePlaceholder} value={k} onInput={(e) => set(i, 0, e.currentTarget.value)} />
          <input aria-label={`${valuePlaceholder} ${i + 1}`} placeholder={valuePlaceholder} value={v} onInput={(e) => set(i, 1, e.currentTarget.value)} />
          <button type="button" class="icon" aria-label={`Remove ${namePlaceholder.toLowerCase()} ${i + 1}`} onClick={() => onChange(rows.filter((_, k) => k !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" class="small" onClick={() => onChange([...rows, ['', '']])}>
        {add}
      </button>
      {error && (
        <small id={`${id}-error`} class="field-error" data-error-for={id}>
          {error}
        </small>
      )}
    </fieldset>
  );
}

export function MonitorForm({ id }) {
  const editing = Boolean(id);
  const [form, setForm] = useState(editing ? null : blank);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef(null);

  useEffect(() => {
    if (!editing) return;
    const known = entries.value.get(id)?.monitor.value;
    if (known) setForm(fromMonitor(known));
    get(`/api/v1/monitors/${id}`)
      .then((m) => setForm(fromMonitor(m)))
      .catch((e) => setMessage(e.message));
  }, [id]);

  if (!form)
    return (
      <>
        <h1 tabIndex={-1}>Edit monitor</h1>
        {message ? <p class="form-error" role="alert">{message}</p> : <p class="muted">Loading…</p>}
      </>
    );

  const set = (key) => (value) => setForm((f) => ({ ...f, [key]: value }));
  const text = (key) => ({ value: form[key], onInput: (e) => set(key)(e.currentTarget.value) });
  const err = (key) => errorFor(errors, key);

  const submit = async (event) => {
    event.preventDefault();
    setMessage(null);
    const request = toRequest(form);
    let problems = request.errors;
    if (!problems) {
      setBusy(true);
      try {
        const saved = editing ? await put(`/api/v1/monitors/${id}`, request.body) : await post('/api/v1/monitors', request.body);
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
        <div class="grid-2">
          <Field id="m-name" label="Name" error={err('name')}>
            <input {...text('name')} placeholder="API" autoComplete="off" />
          </Field>
          <Field id="m-url" label="URL" error={err('config.url')}>
            <input {...text('url')} inputMode="url" placeholder="https://example.com/health" autoComplete="off" />
          </Field>
        </div>
        <div class="grid-4">
          <Field id="m-method" label="Method" error={err('config.method')}>
            <select value={form.method} onChange={(e) => set('method')(e.currentTarget.value)}>
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </Field>
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
        <Field id="m-expected" label="Expected status" hint="Codes, classes or ranges, comma-separated: 200, 2xx, 200-299. Empty means any 2xx." error={err('config.expected_status')}>
          <input {...text('expected')} placeholder="2xx" autoComplete="off" />
        </Field>
        <Field id="m-keyword" label="Keyword" hint="When set, the response body (first 1 MiB) must contain it." error={err('config.keyword')}>
          <input {...text('keyword')} autoComplete="off" />
        </Field>
        <Pairs
          id="m-headers"
          legend="Request headers"
          rows={form.headers}
          onChange={set('headers')}
          error={err('config.headers')}
          add="Add header"
          namePlaceholder="Header name"
          valuePlaceholder="Header value"
        />
        <fieldset class="body-choice">
          <legend>Request body</legend>
          <div class="segmented">
            {[
              ['none', 'None'],
              ['json', 'JSON'],
              ['form', 'Form fields'],
            ].map(([value, label]) => (
              <label key={value}>
                <input type="radio" name="m-body" value={value} checked={form.bodyType === value} onChange={() => set('bodyType')(value)} /> {label}
              </label>
            ))}
          </div>
          {form.bodyType === 'json' && (
            <Field id="m-json" label="JSON content" error={err('config.body.content')}>
              <textarea rows={5} {...text('json')} spellcheck={false} />
            </Field>
          )}
          {form.bodyType === 'form' && (
            <Pairs id="m-fields" legend="Form fields" rows={form.fields} onChange={set('fields')} error={err('config.body.fields')} add="Add field" namePlaceholder="Field name" valuePlaceholder="Field value" />
          )}
          {err('config.body') && !err('config.body.content') && !err('config.body.fields') && <small class="field-error">{err('config.body')}</small>}
        </fieldset>
        <div class="checks">
          <Check id="m-follow" label="Follow redirects (up to 10)" checked={form.follow_redirects} onChange={set('follow_redirects')} />
          <Check id="m-tls" label="Verify TLS certificates" checked={form.verify_tls} onChange={set('verify_tls')} />
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
