// A labelled form control with its hint and the server's message for it, tied together with
// aria-describedby and aria-invalid.
import { cloneElement } from 'preact';

export function Field({ id, label, hint, error, children, class: className = '' }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = error ? `${id}-error` : null;
  const control = cloneElement(children, {
    id,
    'aria-invalid': error ? 'true' : undefined,
    'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined,
  });
  return (
    <div class={`field ${error ? 'has-error' : ''} ${className}`}>
      <label for={id}>{label}</label>
      {control}
      {hint && (
        <small id={hintId} class="hint">
          {hint}
        </small>
      )}
      {error && (
        <small id={errorId} class="field-error" data-error-for={id}>
          {error}
        </small>
      )}
    </div>
  );
}

export function Check({ id, label, checked, onChange, hint }) {
  return (
    <div class="check">
      <input type="checkbox" id={id} checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} aria-describedby={hint ? `${id}-hint` : undefined} />
      <label for={id}>{label}</label>
      {hint && (
        <small id={`${id}-hint`} class="hint">
          {hint}
        </small>
      )}
    </div>
  );
}

/** The first message for a field key, or for any key under it ("config.expected_status[2]"). */
export function errorFor(errors, key) {
  if (!errors) return null;
  if (errors[key]) return errors[key].join('; ');
  const nested = Object.keys(errors).filter((k) => k.startsWith(`${key}[`) || k.startsWith(`${key}.`));
  return nested.length ? nested.map((k) => `${k.slice(key.length).replace(/^\./, '')}: ${errors[k].join('; ')}`.replace(/^: /, '')).join('; ') : null;
}
