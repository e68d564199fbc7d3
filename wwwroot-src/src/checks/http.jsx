// The http check's part of the monitor form: URL, method, expected status, keyword, headers, body,
// assertions and the degraded thresholds.
import { Check, Field } from '../components/Field.jsx';
import { Pairs } from '../components/Pairs.jsx';
import { number } from './number.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function HttpFields({ form, set, text, err }) {
  return (
    <>
      <Field id="m-url" label="URL" error={err('config.url')}>
        <input {...text('url')} inputMode="url" placeholder="https://example.com/health" autoComplete="off" />
      </Field>
      <div class="grid-2">
        <Field id="m-method" label="Method" error={err('config.method')}>
          <select value={form.method} onChange={(e) => set('method')(e.currentTarget.value)}>
            {METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </Field>
        <Field id="m-expected" label="Expected status" hint="Codes, classes or ranges, comma-separated: 200, 2xx, 200-299. Empty means any 2xx." error={err('config.expected_status')}>
          <input {...text('expected')} placeholder="2xx" autoComplete="off" />
        </Field>
      </div>
      <Field id="m-keyword" label="Keyword" hint="When set, the response body (first 1 MiB) must contain it." error={err('config.keyword')}>
        <input {...text('keyword')} autoComplete="off" />
      </Field>
      <Pairs id="m-headers" legend="Request headers" rows={form.headers} onChange={set('headers')} error={err('config.headers')} add="Add header" namePlaceholder="Header name" valuePlaceholder="Header value" />
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
      <Field
        id="m-assertions"
        label="Assertions"
        hint='A JSON list, e.g. [{"source":"json","path":"$.status","op":"eq","value":"ok"}]. Sources: status, header, body, json, response_time; ops: eq, ne, lt, gt, contains, matches, exists.'
        error={err('config.assertions')}
      >
        <textarea rows={3} {...text('assertions')} spellcheck={false} placeholder="[]" />
      </Field>
      <div class="grid-2">
        <Field id="m-max-response" label="Degraded above (ms)" hint="Slower answers, retries + 1 in a row, mark the monitor degraded. Empty: no limit." error={err('config.max_response_ms')}>
          <input type="number" inputMode="numeric" {...text('max_response_ms')} autoComplete="off" />
        </Field>
        <Field id="m-tls-warn" label="Certificate warning (days)" hint="Degraded when the certificate expires this soon. Empty: 14; 0: off." error={err('config.tls_expiry_warn_days')}>
          <input type="number" inputMode="numeric" {...text('tls_expiry_warn_days')} placeholder="14" autoComplete="off" />
        </Field>
      </div>
      <div class="checks">
        <Check id="m-follow" label="Follow redirects (up to 10)" checked={form.follow_redirects} onChange={set('follow_redirects')} />
        <Check id="m-tls" label="Verify TLS certificates" checked={form.verify_tls} onChange={set('verify_tls')} />
      </div>
    </>
  );
}

export const http = {
  type: 'http',
  label: 'HTTP(S)',
  blank: {
    url: '', method: 'GET', expected: '', headers: [], bodyType: 'none', json: '', fields: [], keyword: '', follow_redirects: true, verify_tls: true,
    assertions: '', max_response_ms: '', tls_expiry_warn_days: '',
  },

  fromConfig: (c) => ({
    url: c.url,
    method: c.method,
    expected: (c.expected_status || []).join(', '),
    headers: Object.entries(c.headers || {}),
    bodyType: c.body?.type || 'none',
    json: c.body?.type === 'json' ? JSON.stringify(c.body.content, null, 2) : '',
    fields: c.body?.type === 'form' ? Object.entries(c.body.fields || {}) : [],
    keyword: c.keyword || '',
    follow_redirects: c.follow_redirects,
    verify_tls: c.verify_tls,
    assertions: c.assertions?.length ? JSON.stringify(c.assertions) : '',
    max_response_ms: c.max_response_ms == null ? '' : String(c.max_response_ms),
    tls_expiry_warn_days: c.tls_expiry_warn_days == null ? '' : String(c.tls_expiry_warn_days),
  }),

  /** The config, or field errors found before sending (only what the server cannot see: bad JSON). */
  toConfig(f) {
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
    let assertions = null;
    if (f.assertions.trim()) {
      try {
        assertions = JSON.parse(f.assertions);
      } catch {
        return { errors: { 'config.assertions': ['is not valid JSON'] } };
      }
    }
    const headers = f.headers.filter(([k, v]) => k.trim() || v.trim());
    return {
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
        ...(assertions ? { assertions } : {}),
        ...(f.max_response_ms.trim() ? { max_response_ms: number(f.max_response_ms) } : {}),
        ...(f.tls_expiry_warn_days.trim() ? { tls_expiry_warn_days: number(f.tls_expiry_warn_days) } : {}),
      },
    };
  },

  Fields: HttpFields,
};
