// Destructive actions ask first, in a modal <dialog> (focus trapped, Escape cancels).
import { signal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';

const request = signal(null);

/** Resolves true when the user confirms. */
export function confirm({ title, message, action = 'Delete' }) {
  return new Promise((resolve) => {
    request.value = { title, message, action, resolve };
  });
}

export function ConfirmDialog() {
  const dialog = useRef(null);
  const current = request.value;
  useEffect(() => {
    if (current && !dialog.current.open) dialog.current.showModal();
  }, [current]);
  const close = (answer) => {
    current?.resolve(answer);
    request.value = null;
    if (dialog.current.open) dialog.current.close();
  };
  return (
    <dialog ref={dialog} class="confirm" aria-labelledby="confirm-title" onClose={() => current && close(false)}>
      {current && (
        <form method="dialog" onSubmit={(e) => (e.preventDefault(), close(true))}>
          <h2 id="confirm-title">{current.title}</h2>
          <p>{current.message}</p>
          <div class="actions">
            <button type="button" onClick={() => close(false)}>
              Cancel
            </button>
            <button type="submit" class="danger">
              {current.action}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
