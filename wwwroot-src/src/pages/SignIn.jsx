// Sign-in: the owner's password in local mode, the provider's button in OIDC mode.
import { useState } from 'preact/hooks';
import { login } from '../api/auth.js';
import { authConfig, user } from '../state.js';
import { Field } from '../components/Field.jsx';

export function SignIn() {
  const config = authConfig.value;
  return (
    <main id="main" class="auth-page">
      <div class="auth-card">
        <p class="brand-big">Flatline</p>
        <h1 tabIndex={-1}>Sign in</h1>
        {config.mode === 'oidc' ? (
          <>
            <p>Flatline uses your identity provider for sign-in.</p>
            <a class="button primary wide" href="/auth/login">
              Sign in with your provider
            </a>
          </>
        ) : config.setup_required ? (
          <SetupPending />
        ) : (
          <PasswordForm />
        )}
      </div>
    </main>
  );
}

function SetupPending() {
  return (
    <div class="notice" role="status">
      <p>
        <strong>Flatline has no owner yet.</strong>
      </p>
      <p>
        Open the one-time setup link that Flatline printed in its log when it started — it looks like{' '}
        <code>http://your-host:3000/setup?token=…</code> — to create the owner account.
      </p>
    </div>
  );
}

function PasswordForm() {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      user.value = await login(name, password);
    } catch (e) {
      setError(e.message);
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} class="stack">
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      <Field id="login-name" label="Name">
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} autoComplete="username" required />
      </Field>
      <Field id="login-password" label="Password">
        <input type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" required />
      </Field>
      <button type="submit" class="primary wide" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}
