// Settings: the theme, API tokens for scripts (shown once), the configuration file export, and signing out.
import { useEffect, useState } from 'preact/hooks';
import { logout } from '../api/auth.js';
import { createToken, listTokens, revokeToken } from '../api/tokens.js';
import { navigate } from '../router.js';
import { setTheme, signedOut, theme, user } from '../state.js';
import { Ago } from '../components/Ago.jsx';
import { confirm } from '../components/Confirm.jsx';
import { Check, Field, errorFor } from '../components/Field.jsx';

function NewToken({ onCreated }) {
  const [name, setName] = useState('');
  const [readOnly, setReadOnly] = useState(false);
  const [errors, setErrors] = useState({});
  const [created, setCreated] = useState(null);
  const [copied, setCopied] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    try {
      const token = await createToken(name, readOnly);
      setCreated(token);
      setName('');
      setErrors({});
      setCopied(false);
      onCreated(token);
    } catch (e) {
      setErrors(Object.keys(e.errors).length ? e.errors : { name: [e.message] });
    }
  };
  const copy = () =>
    navigator.clipboard?.writeText(created.token).then(
      () => setCopied(true),
      () => {},
    );
  return (
    <>
      {created && (
        <div class="notice created-token" role="status">
          <p>
            <strong>Token “{created.name}” created.</strong> Copy it now: it is shown only this once.
          </p>
          <p class="token-line">
            <code data-testid="new-token">{created.token}</code>
            <button type="button" class="small" onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </button>
          </p>
          <p class="muted">
            Use it as <code>Authorization: Bearer …</code>
          </p>
        </div>
      )}
      <form class="inline-form" onSubmit={submit} noValidate>
        <Field id="token-name" label="Token name" error={errorFor(errors, 'name')} hint="What uses it, e.g. deploy or grafana.">
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} autoComplete="off" />
        </Field>
        <Check id="token-readonly" label="Read-only" checked={readOnly} onChange={setReadOnly} />
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
    </>
  );
}

function Tokens() {
  const [tokens, setTokens] = useState(null);
  const [error, setError] = useState(null);
  const load = () =>
    listTokens()
      .then(setTokens)
      .catch((e) => setError(e.message));
  useEffect(() => {
    load();
  }, []);
  const revoke = async (t) => {
    if (!(await confirm({ title: `Revoke ${t.name}?`, message: 'Scripts using this token stop working at once. This cannot be undone.', action: 'Revoke token' }))) return;
    try {
      await revokeToken(t.id);
      load();
    } catch (e) {
      setError(e.message);
    }
  };
  return (
    <section class="card" aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <p class="muted">
        For scripts and tools: <code>curl -H "Authorization: Bearer $TOKEN" {location.origin}/api/v1/monitors</code>. The <a href="/docs">API docs</a> list every route.
      </p>
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {tokens &&
        (tokens.length === 0 ? (
          <p class="muted">No API tokens yet.</p>
        ) : (
          <div class="table-scroll">
            <table class="list" data-testid="tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Access</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>{t.read_only ? 'read-only' : 'read and write'}</td>
                    <td>
                      <Ago at={t.created_at} />
                    </td>
                    <td>{t.last_used_at ? <Ago at={t.last_used_at} /> : 'never'}</td>
                    <td>
                      <button type="button" class="small danger" onClick={() => revoke(t)}>
                        Revoke<span class="visually-hidden"> {t.name}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      <NewToken onCreated={load} />
    </section>
  );
}

// The server's name is the person's name or else their email; with neither, the provider's account id, called that.
function AccountLine({ user: me }) {
  if (!me) return null;
  return (
    <p>
      Signed in as <strong data-testid="user-name">{me.name || `account ${me.sub}`}</strong>
      {me.email && me.email !== me.name ? ` (${me.email})` : ''}.
    </p>
  );
}

export function Settings() {
  const signOut = async () => {
    try {
      await logout();
    } catch {
      // the session is gone either way
    }
    signedOut();
    navigate('/', { replace: true });
  };
  return (
    <>
      <h1 tabIndex={-1}>Settings</h1>
      <section class="card" aria-labelledby="account-title">
        <h2 id="account-title">Account</h2>
        <AccountLine user={user.value} />
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </section>
      <section class="card" aria-labelledby="theme-title">
        <h2 id="theme-title">Theme</h2>
        <fieldset class="segmented">
          <legend class="visually-hidden">Theme</legend>
          {['system', 'light', 'dark'].map((t) => (
            <label key={t}>
              <input type="radio" name="theme" value={t} checked={theme.value === t} onChange={() => setTheme(t)} /> {t[0].toUpperCase() + t.slice(1)}
            </label>
          ))}
        </fieldset>
      </section>
      <Tokens />
      <section class="card" aria-labelledby="config-title">
        <h2 id="config-title">Configuration file</h2>
        <p>
          Monitors, channels, links, tag colours, maintenance windows and status pages as the YAML file that <code>flatline apply</code> reads back. Secrets (and page passwords) are
          written as <code>{'${VARIABLE}'}</code> placeholders.
        </p>
        <a class="button" href="/api/v1/config/export" download="flatline.yaml">
          Export configuration
        </a>
      </section>
    </>
  );
}
