import { statusLabel } from './format.js';

export function StatusBadge({ status }) {
  return (
    <span class={`badge badge-${status}`} data-status={status}>
      <span class="dot" aria-hidden="true" />
      {statusLabel[status] || status}
    </span>
  );
}
