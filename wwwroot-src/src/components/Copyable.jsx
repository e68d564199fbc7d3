// A read-only value with a button that copies it; where the clipboard is refused, the text is
// selected for the user to copy by hand.
import { useState } from 'preact/hooks';

export function Copyable({ id, label, value }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      document.getElementById(id)?.select();
    }
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="copyable">
        <input id={id} value={value} readOnly spellcheck={false} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={copy} aria-label={`Copy ${label}`}>
          {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
      <span class="visually-hidden" role="status">
        {copied ? `${label} copied` : ''}
      </span>
    </div>
  );
}
