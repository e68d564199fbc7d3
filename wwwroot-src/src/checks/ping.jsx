// The ping check's part of the monitor form: the host, how many echo requests, and how many may go unanswered.
import { Field } from '../components/Field.jsx';
import { number } from './number.js';

function PingFields({ text, err }) {
  return (
    <div class="grid-3">
      <Field id="m-ping-host" label="Host" hint="A host name or an IP address (IPv4 or IPv6)" error={err('config.host')}>
        <input {...text('host')} placeholder="router.example.com" autoComplete="off" />
      </Field>
      <Field id="m-ping-count" label="Pings per check" hint="1 to 10; the response time is their median" error={err('config.count')}>
        <input type="number" inputMode="numeric" {...text('count')} />
      </Field>
      <Field id="m-ping-loss" label="Loss allowed (%)" hint="0 to 99 of the pings may go unanswered" error={err('config.max_loss_percent')}>
        <input type="number" inputMode="numeric" {...text('max_loss_percent')} />
      </Field>
    </div>
  );
}

export const ping = {
  type: 'ping',
  label: 'Ping (ICMP)',
  blank: { host: '', count: '3', max_loss_percent: '0' },
  fromConfig: (c) => ({ host: c.host, count: String(c.count), max_loss_percent: String(c.max_loss_percent) }),
  toConfig: (f) => ({ config: { type: 'ping', host: f.host.trim(), count: number(f.count), max_loss_percent: number(f.max_loss_percent) } }),
  Fields: PingFields,
};
