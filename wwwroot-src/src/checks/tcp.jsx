// The tcp check's part of the monitor form: host and port, optionally a TLS handshake.
import { Check, Field } from '../components/Field.jsx';
import { number } from './number.js';

function TcpFields({ form, set, text, err }) {
  return (
    <>
      <div class="grid-2">
        <Field id="m-host" label="Host" hint="A host name or an IP address" error={err('config.host')}>
          <input {...text('host')} placeholder="db.example.com" autoComplete="off" />
        </Field>
        <Field id="m-port" label="Port" hint="1 to 65535" error={err('config.port')}>
          <input type="number" inputMode="numeric" {...text('port')} placeholder="5432" />
        </Field>
      </div>
      <div class="checks">
        <Check id="m-tcp-tls" label="TLS handshake (and watch the certificate's expiry)" checked={form.tls} onChange={set('tls')} />
        {form.tls && <Check id="m-tcp-verify" label="Verify the TLS certificate" checked={form.verify_tls} onChange={set('verify_tls')} />}
      </div>
      {form.tls && (
        <Field id="m-tcp-tls-warn" label="Certificate warning (days)" hint="Degraded when the certificate expires this soon. Empty: 14; 0: off." error={err('config.tls_expiry_warn_days')}>
          <input type="number" inputMode="numeric" {...text('tls_expiry_warn_days')} placeholder="14" autoComplete="off" />
        </Field>
      )}
    </>
  );
}

export const tcp = {
  type: 'tcp',
  label: 'TCP port',
  blank: { host: '', port: '', tls: false, verify_tls: true, tls_expiry_warn_days: '' },
  fromConfig: (c) => ({
    host: c.host, port: String(c.port), tls: c.tls, verify_tls: c.verify_tls,
    tls_expiry_warn_days: c.tls_expiry_warn_days == null ? '' : String(c.tls_expiry_warn_days),
  }),
  toConfig: (f) => ({
    config: {
      type: 'tcp', host: f.host.trim(), port: number(f.port), tls: f.tls, verify_tls: f.verify_tls,
      ...(f.tls && f.tls_expiry_warn_days.trim() ? { tls_expiry_warn_days: number(f.tls_expiry_warn_days) } : {}),
    },
  }),
  Fields: TcpFields,
};
