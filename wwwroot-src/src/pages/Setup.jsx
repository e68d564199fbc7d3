// First run: the one-time setup URL (/setup?token=…) creates the owner account.
import { useState } from 'preact/hooks';
import { setupOwner } from '../api/auth.js';
import { navigate, search } from '../router.js';
import { authConfig, user } from '../state.js';
import { Field, errorFor } from '../components/Field.jsx';

export function Setup() {
  const token = new URLSearchParams(search.value).get('token');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [errors, setErrors] = useState({});
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const config = authConfig.value;

  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    if (password !== repeat) {
      setErrors({ repeat: ['does not match the password'] });
      return;
    }
    setBusy(true);
    try {
      const created = await setupOwner(token, name, password);
      authConfig.value = { ...config, setup_required: false };
      user.value = created;
      navigate('/', { replace: true });
    } catch (e) {
      setErrors(e.errors);
      setError(Object.keys(e.errors).length ? null : e.message);
      setBusy(false);
    }
  };

  let body;
  if (config.mode === 'oidc' || !config.setup_required) {
    body = (
      <div class="notice" role="status">
        <p>Setup is already done.</p>
        <p>
          <a href="/" class="button primary">
            Go to sign-in
          </a>
        </p>
      </div>
    );
  } else if (!token) {
    body = (
      <p class="form-error" role="alert">
        This link has no setup token. Use the full setup URL from Flatline's log.
      </p>
    );
  } else {
    body = (
      <form onSubmit={submit} class="stack">
        <p>Create the owner account. You will sign in with this name and password.</p>
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        {errors.token && (
          <p class="form-error" role="alert">
            {errorFor(errors, 'token')}
          </p>
        )}
        <Field id="setup-name" label="Name" error={errorFor(errors, 'name')}>
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} autoComplete="username" required />
        </Field>
        <Field id="setup-password" label="Password" hint="At least 12 characters." error={errorFor(errors, 'password')}>
          <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" required />
        </Field>
        <Field id="setup-repeat" label="Repeat the password" error={errorFor(errors, 'repeat')}>
          <input type="password" value={repeat} onInput={(e) => setRepeat(e.currentTarget.value)} autoComplete="new-password" required />
        </Field>
        <button type="submit" class="primary wide" disabled={busy}>
          {busy ? 'Creating…' : 'Create the owner account'}
        </button>
      </form>
    );
  }
  return (
    <main id="main" class="auth-page">
      <div class="auth-card">
        <p class="brand-big">Flatline</p>
        <h1 tabIndex={-1}>First-run setup</h1>
        {body}
      </div>
    </main>
  );
}
