// One bar per UTC day, coloured by that day's uptime; days without data are grey.
import { percent } from './format.js';

const level = (d) =>
  d.uptime == null ? 'none' : d.uptime >= 0.999 ? 'good' : d.uptime >= 0.99 ? 'fair' : 'bad';

export function UptimeBars({ days }) {
  const n = days.length;
  const known = days.filter((d) => d.uptime != null);
  const worst = known.reduce((w, d) => (w == null || d.uptime < w.uptime ? d : w), null);
  const label = known.length
    ? `${n} days of uptime; ${known.length} with data; lowest ${percent(worst.uptime)} on ${worst.date}`
    : `${n} days of uptime; no data yet`;
  return (
    <figure class="uptime-bars">
      <svg viewBox={`0 0 ${n * 5} 32`} preserveAspectRatio="none" role="img" aria-label={label}>
        {days.map((d, i) => (
          <rect key={d.date} class={`day day-${level(d)}`} x={i * 5 + 0.5} y="0" width="4" height="32">
            <title>{`${d.date}: ${d.uptime == null ? 'no data' : `${percent(d.uptime)} up`}${d.checks ? `, ${d.checks} checks, ${d.failures} failed` : ''}`}</title>
          </rect>
        ))}
      </svg>
      <figcaption>
        <span>{n} days ago</span>
        <span>today</span>
      </figcaption>
    </figure>
  );
}
