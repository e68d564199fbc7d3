// The push check's part of the monitor form: the job reports in, so there is nothing to reach; the
// period is the interval below or a cron schedule, plus a grace. Once saved, the monitor's own URL
// is shown ready to copy on its page (and in the form when editing), in both shapes it answers to
// (Uptime Kuma's and healthchecks.io's), with a curl line for a cron job.
import { Copyable } from '../components/Copyable.jsx';
import { Field } from '../components/Field.jsx';
import { duration } from '../components/format.js';
import { number } from './number.js';

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The URLs of a saved push monitor's config (push_url and token as the server made them). */
export function PushUrls({ config }) {
  const url = new URL(config.push_url, location.origin).href;
  const ping = new URL(`/ping/${config.token}`, location.origin).href;
  return (
    <>
      <Copyable id="m-push-url" label="Push URL" value={url} />
      <Copyable id="m-push-curl" label="From a cron job or script" value={`curl -fsS -m 10 --retry 3 '${url}?status=up&msg=OK'`} />
      <p class="hint">
        Uptime Kuma's query works as is: <code>?status=down&amp;msg=…</code> reports a failure, <code>&amp;ping=</code> a response time in ms.
      </p>
      <Copyable id="m-ping-url" label="Ping URL (healthchecks.io's shape)" value={ping} />
      <p class="hint">
        <code>{ping}/start</code> before a run (its duration becomes the response time), <code>{ping}/fail</code>, or the exit code:{' '}
        <code>backup.sh; curl -fsS '{ping}/$?'</code>. Keep both URLs secret: the token in them is the credential.
      </p>
    </>
  );
}

function PushFields({ form, text, err }) {
  return (
    <>
      {form.push_url ? (
        <PushUrls config={form} />
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

/** On the monitor's page: where the job reports in. */
function PushDetail({ monitor }) {
  return (
    <section class="card" aria-labelledby="push-title">
      <h2 id="push-title">Push URL</h2>
      <p class="hint">
        The job reports in here; without a push within {monitor.config.cron ? `each run of ${monitor.config.cron} (${monitor.config.timezone})` : 'the interval'} plus{' '}
        {monitor.config.grace_seconds} s of grace, the monitor goes down.
      </p>
      <PushUrls config={monitor.config} />
    </section>
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
  Detail: PushDetail,
  // Nothing is polled, so there is no timeout; the period is the cron schedule when there is one.
  schedule: (m) => `${m.config.cron ? `A push by each run of ${m.config.cron} (${m.config.timezone})` : `A push every ${duration(m.interval)}`} · grace ${m.config.grace_seconds} s`,
};
