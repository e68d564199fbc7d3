// Locations (SPEC §16): where monitors are checked from. 'local' is the main node; each other one
// is an agent, made here with a token shown once, next to the command that starts it.
import { useEffect, useState } from 'preact/hooks';
import { createLocation, deleteLocation, listLocations } from '../api/locations.js';
import { Ago } from '../components/Ago.jsx';
import { confirm } from '../components/Confirm.jsx';
import { Copyable } from '../components/Copyable.jsx';
import { Field, errorFor } from '../components/Field.jsx';

/** A location's reporting state as a badge, coloured like up/down. */
export function Reporting({ status }) {
  return (
    <span class={`badge badge-${status === 'online' ? 'up' : 'down'}`} data-location-status={status}>
      <span class="dot" aria-hidden="true" />
      {status === 'online' ? 'Online' : 'Offline'}
    </span>
  );
}

export function Locations() {
  const [locations, setLocations] = useState(null);
  const [name, setName] = useState('');
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [created, setCreated] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    listLocations()
      .then(setLocations)
      .catch((e) => setMessage(e.message));
  useEffect(() => {
    load();
    // Status and last contact change while the page is open; a minute's refresh is enough for them.
    const timer = setInterval(load, 30000);
    return () => clearInterval(timer);
  }, []);

  const create = async (event) => {
    event.preventDefault();
    setMessage(null);
    setErrors({});
    setBusy(true);
    try {
      setCreated(await createLocation(name.trim()));
      setName('');
      load();
    } catch (e) {
      if (Object.keys(e.errors).length) {
        setErrors(e.errors);
        requestAnimationFrame(() => document.getElementById('l-name')?.focus());
      } else setMessage(e.message);
    } finally {
      setBusy(false);
    }
  };

  const remove = async (l) => {
    const yes = await confirm({
      title: `Delete ${l.name}?`,
      message: 'Its agent token stops working at once. A location that monitors still list cannot be deleted.',
      action: 'Delete location',
    });
    if (!yes) return;
    setMessage(null);
    try {
      await deleteLocation(l.id);
      if (created?.id === l.id) setCreated(null);
      load();
    } catch (e) {
      // 409: monitors are checked from it; the server says how many.
      setMessage(e.status === 409 ? `${l.name} cannot be deleted: ${e.message}.` : e.message);
    }
  };

  const command = created && `flatline agent --server ${location.origin} --token ${created.token}`;

  return (
    <>
      <h1 tabIndex={-1}>Locations</h1>
      <p class="muted">
        Monitors are checked from each location they list. <strong>local</strong> is this server; every other location is an agent started with its own token.
      </p>
      {message && (
        <p class="form-error" role="alert">
          {message}
        </p>
      )}
      <section class="card" aria-labelledby="locations-title">
        <h2 id="locations-title">All locations</h2>
        {!locations ? (
          <p class="muted">Loading…</p>
        ) : (
          <div class="table-scroll">
            <table class="list" data-testid="locations">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Status</th>
                  <th scope="col">Last contact</th>
                  <th scope="col">Version</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {locations.map((l) => (
                  <tr key={l.id} data-location={l.name}>
                    <td>
                      {l.name}
                      {l.local && <span class="muted"> (this server)</span>}
                    </td>
                    <td>
                      <Reporting status={l.status} />
                    </td>
                    <td>{l.local ? '—' : <Ago at={l.last_seen_at} />}</td>
                    <td>{l.version || '—'}</td>
                    <td>
                      {!l.local && (
                        <button type="button" class="danger" onClick={() => remove(l)} aria-label={`Delete ${l.name}`}>
                          Delete
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="new-location-title">
        <h2 id="new-location-title">Add a location</h2>
        <form onSubmit={create} noValidate>
          <Field id="l-name" label="Name" hint="1 to 32 lower-case letters, digits or '-', such as eu-west" error={errorFor(errors, 'name')}>
            <input value={name} onInput={(e) => setName(e.currentTarget.value)} autoComplete="off" />
          </Field>
          <div class="actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? 'Creating…' : 'Create location'}
            </button>
          </div>
        </form>
        {created && (
          <div class="notice" data-testid="agent-token">
            <p>
              <strong>{created.name}</strong> is made. Its token is shown only now: start the agent with this command on the machine that checks from there.
            </p>
            <Copyable id="l-command" label="Agent command" value={command} />
          </div>
        )}
      </section>
    </>
  );
}
