// The push check's part of the monitor form: the job reports in, so there is nothing to reach; the
// period is the interval below or a cron schedule, plus a grace. Once saved, the monitor's own URL
// is shown ready to copy, in both shapes it answers to (Uptime Kuma's and healthchecks.io's).
import { useState } from 'preact/hooks';
import { Field } from '../components/Field.jsx';
import { number } from './number.js';

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

function Copyable({ id, label, value }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      document.getElementById(id)?.select();
    }
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="copyable">
        <input id={id} value={value} readOnly spellcheck={false} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}

function PushFields({ form, text, err }) {
  const url = form.push_url ? new URL(form.push_url, location.origin).href : null;
  const ping = form.token ? new URL(`/ping/${form.token}`, location.origin).href : null;
  return (
    <>
      {url ? (
        <>
          <Copyable id="m-push-url" label="Push URL" value={url} />
          <Copyable id="m-push-curl" label="From a cron job or script" value={`curl -fsS -m 10 --retry 3 '${url}?status=up&msg=OK'`} />
          <p class="hint">
            Also healthchecks.io's shape: <code>{ping}</code>, <code>{ping}/start</code> before a run (its duration becomes the response time),{' '}
            <code>{ping}/fail</code>, or the exit code: <code>backup.sh; curl -fsS '{ping}/$?'</code>. Keep the URL secret: it is the credential.
          </p>
        </>
      ) : (
        <p class="hint">The push URL appears once the monitor is saved. Without a push within the interval (or the cron schedule) and the grace, it goes down.</p>
      )}
      <div class="grid-3">
        <Field id="m-push-grace" label="Grace (seconds)" hint="How late a push may be; 0 to 604800" error={err('config.grace_seconds')}>
          <input type="number" inputMode="numeric" {...text('grace_seconds')} />
        </Field>
        <Field id="m-push-cron" label="Cron schedule" hint="Optional, 5 fields such as 0 3 * * *; empty: every interval" error={err('config.cron')}>
          <input {...text('cron')} placeholder="0 3 * * *" autoComplete="off" spellcheck={false} />
        </Field>
        <Field id="m-push-zone" label="Time zone" hint="IANA name, for the cron schedule" error={err('config.timezone')}>
          <input {...text('timezone')} placeholder="Europe/Berlin" autoComplete="off" spellcheck={false} />
        </Field>
      </div>
    </>
  );
}

export const push = {
  type: 'push',
  label: 'Push (heartbeat)',
  blank: { token: '', push_url: '', grace_seconds: '60', cron: '', timezone: localZone() },
  fromConfig: (c) => ({ token: c.token, push_url: c.push_url, grace_seconds: String(c.grace_seconds), cron: c.cron || '', timezone: c.timezone || localZone() }),
  toConfig: (f) => {
    const cron = f.cron.trim();
    return { config: { type: 'push', grace_seconds: number(f.grace_seconds), cron: cron || null, timezone: cron ? f.timezone.trim() || null : null } };
  },
  Fields: PushFields,
};
