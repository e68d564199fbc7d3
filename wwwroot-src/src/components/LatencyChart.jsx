// p50/p95/p99 over time as three lines in SVG, sized to its container. Pointer or arrow keys pick a
// bucket and show its values. (uPlot would add about 23 KB gzipped for the same picture.)
import { useEffect, useRef, useState } from 'preact/hooks';
import { millis } from './format.js';

const H = 220;
const PAD = { top: 12, right: 12, bottom: 24, left: 52 };
const SERIES = ['p50', 'p95', 'p99'];

function niceMax(v) {
  if (v <= 0) return 10;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function timeLabel(ms, span) {
  const d = new Date(ms);
  return span > 2 * 86400000
    ? d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
    : d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function LatencyChart({ series }) {
  const box = useRef(null);
  const [width, setWidth] = useState(600);
  const [pick, setPick] = useState(null);
  useEffect(() => {
    const observer = new ResizeObserver(([item]) => setWidth(Math.max(240, Math.floor(item.contentRect.width))));
    observer.observe(box.current);
    return () => observer.disconnect();
  }, []);

  const from = Date.parse(series.from);
  const to = Date.parse(series.to);
  const span = Math.max(1, to - from);
  const points = series.points.map((p) => ({ ...p, t: Date.parse(p.at) }));
  const withData = points.filter((p) => p.p99 != null);
  const max = niceMax(Math.max(0, ...withData.map((p) => p.p99)));
  const plotW = width - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (t) => PAD.left + ((t - from) / span) * plotW;
  const y = (v) => PAD.top + plotH - (v / max) * plotH;

  const path = (key) => {
    let d = '';
    let pen = false;
    for (const p of points) {
      if (p[key] == null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p[key]).toFixed(1)}`;
      pen = true;
    }
    return d;
  };

  const onMove = (event) => {
    if (!withData.length) return;
    const rect = event.currentTarget.getBoundingClientRect();
    const t = from + ((event.clientX - rect.left - PAD.left) / plotW) * span;
    let best = 0;
    for (let i = 1; i < withData.length; i++) if (Math.abs(withData[i].t - t) < Math.abs(withData[best].t - t)) best = i;
    setPick(best);
  };
  const onKey = (event) => {
    if (!withData.length) return;
    const step = { ArrowLeft: -1, ArrowRight: 1, Home: -Infinity, End: Infinity }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    setPick((p) => Math.min(withData.length - 1, Math.max(0, (p ?? withData.length - 1) + step)));
  };

  const picked = pick != null ? withData[Math.min(pick, withData.length - 1)] : null;
  const latest = withData[withData.length - 1];
  const summary = latest
    ? `Latency chart: ${withData.length} buckets; latest p50 ${millis(latest.p50)}, p95 ${millis(latest.p95)}, p99 ${millis(latest.p99)}. Use the arrow keys to read each bucket.`
    : 'Latency chart: no successful checks in this range yet.';
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => from + f * span);

  return (
    <div class="chart" ref={box}>
      <svg
        width={width}
        height={H}
        role="img"
        aria-label={summary}
        tabIndex={0}
        onPointerMove={onMove}
        onPointerLeave={() => setPick(null)}
        onKeyDown={onKey}
        onBlur={() => setPick(null)}
      >
        {[0, 0.5, 1].map((f) => (
          <g key={f} class="grid">
            <line x1={PAD.left} x2={width - PAD.right} y1={y(max * f)} y2={y(max * f)} />
            <text x={PAD.left - 6} y={y(max * f) + 4} text-anchor="end">
              {millis(max * f)}
            </text>
          </g>
        ))}
        {ticks.map((t, i) => (
          <text key={t} class="axis" x={x(t)} y={H - 6} text-anchor={i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}>
            {timeLabel(t, span)}
          </text>
        ))}
        {SERIES.map((key) => (
          <path key={key} class={`line line-${key}`} d={path(key)} />
        ))}
        {withData.length === 1 &&
          SERIES.map((key) => <circle key={key} class={`line-${key} point`} cx={x(withData[0].t)} cy={y(withData[0][key])} r="3" />)}
        {picked && (
          <g class="pick">
            <line x1={x(picked.t)} x2={x(picked.t)} y1={PAD.top} y2={PAD.top + plotH} />
            <g transform={`translate(${Math.min(x(picked.t) + 8, width - PAD.right - 132)},${PAD.top + 4})`}>
              <rect width="128" height="70" rx="4" />
              <text x="8" y="16">{timeLabel(picked.t, 0)}</text>
              {SERIES.map((key, i) => (
                <text key={key} x="8" y={32 + i * 14} class={`label-${key}`}>
                  {`${key} ${millis(picked[key])}`}
                </text>
              ))}
            </g>
          </g>
        )}
      </svg>
      <ul class="legend" aria-hidden="true">
        {SERIES.map((key) => (
          <li key={key} class={`legend-${key}`}>
            {key}
          </li>
        ))}
      </ul>
    </div>
  );
}
