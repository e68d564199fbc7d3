// Name/value rows (headers, form fields) with add and remove buttons, and the server's message for them.
export function Pairs({ id, legend, rows, onChange, error, add, namePlaceholder, valuePlaceholder }) {
  const set = (i, j, value) => onChange(rows.map((r, k) => (k === i ? (j ? [r[0], value] : [value, r[1]]) : r)));
  return (
    <fieldset class={`pairs ${error ? 'has-error' : ''}`} aria-describedby={error ? `${id}-error` : undefined}>
      <legend>{legend}</legend>
      {rows.map(([k, v], i) => (
        <div class="pair" key={i}>
          <input aria-label={`${namePlaceholder} ${i + 1}`} placeholder={namePlaceholder} value={k} onInput={(e) => set(i, 0, e.currentTarget.value)} />
          <input aria-label={`${valuePlaceholder} ${i + 1}`} placeholder={valuePlaceholder} value={v} onInput={(e) => set(i, 1, e.currentTarget.value)} />
          <button type="button" class="icon" aria-label={`Remove ${namePlaceholder.toLowerCase()} ${i + 1}`} onClick={() => onChange(rows.filter((_, k) => k !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" class="small" onClick={() => onChange([...rows, ['', '']])}>
        {add}
      </button>
      {error && (
        <small id={`${id}-error`} class="field-error" data-error-for={id}>
          {error}
        </small>
      )}
    </fieldset>
  );
}
