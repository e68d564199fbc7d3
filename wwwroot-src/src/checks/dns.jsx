// The dns check's part of the monitor form: the name and record type to ask for, the server to ask,
// and what the answer must be.
import { Field } from '../components/Field.jsx';

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SOA', 'CAA', 'SRV', 'PTR'];
const RCODES = ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', 'NOTIMP', 'FORMERR', 'YXDOMAIN', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

function DnsFields({ form, set, text, err }) {
  const select = (key, options) => (
    <select value={form[key]} onChange={(e) => set(key)(e.currentTarget.value)}>
      {options.map((o) => (
        <option key={o}>{o}</option>
      ))}
    </select>
  );
  return (
    <>
      <div class="grid-2">
        <Field id="m-dns-name" label="Domain name" hint="The name to look up; for PTR also an IP address" error={err('config.name')}>
          <input {...text('name')} placeholder="example.com" autoComplete="off" />
        </Field>
        <Field id="m-dns-type" label="Record type" error={err('config.record_type')}>
          {select('record_type', RECORD_TYPES)}
        </Field>
      </div>
      <div class="grid-2">
        <Field id="m-dns-server" label="DNS server" hint="host or host:port ([IPv6]:port); empty: the system resolver" error={err('config.server')}>
          <input {...text('server')} placeholder="1.1.1.1" autoComplete="off" />
        </Field>
        <Field id="m-dns-rcode" label="Expected rcode" error={err('config.rcode')}>
          {select('rcode', RCODES)}
        </Field>
      </div>
      <Field
        id="m-dns-expected"
        label="Expected values"
        hint={'One per line, in any order: the answer must hold exactly these (empty: any answer). MX: 10 mail.example.com · TXT: the strings joined · CAA: 0 issue "letsencrypt.org" · SRV: 10 5 5060 sip.example.com'}
        error={err('config.expected')}
      >
        <textarea rows={3} {...text('expected')} spellcheck={false} />
      </Field>
    </>
  );
}

export const dns = {
  type: 'dns',
  label: 'DNS record',
  blank: { name: '', record_type: 'A', server: '', expected: '', rcode: 'NOERROR' },
  fromConfig: (c) => ({ name: c.name, record_type: c.record_type, server: c.server || '', expected: (c.expected || []).join('\n'), rcode: c.rcode }),
  toConfig: (f) => {
    const expected = f.expected
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    return {
      config: { type: 'dns', name: f.name.trim(), record_type: f.record_type, server: f.server.trim() || null, expected: expected.length ? expected : null, rcode: f.rcode },
    };
  },
  Fields: DnsFields,
};
