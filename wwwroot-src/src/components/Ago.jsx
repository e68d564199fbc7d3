import { ago, dateTime, now } from './format.js';

/** "12 s ago", kept current, with the exact time on hover and for screen readers. */
export function Ago({ at }) {
  if (!at) return <span>never</span>;
  return (
    <time dateTime={at} title={dateTime(at)}>
      {ago(at, now.value)}
    </time>
  );
}
