// The last checks as bars: height is response time, failures are full-height and red. Loads the
// checks only once the row scrolls into view.
import { useEffect, useRef } from 'preact/hooks';
import { wantRecent } from '../state.js';

const W = 120;
const H = 28;

let observer;
const visible = new WeakMap();
function observe(node, entry) {
  observer ??= new IntersectionObserver((items) => {
    for (const item of items) {
      if (!item.isIntersecting) continue;
      const e = visible.get(item.target);
      observer.unobserve(item.target);
      if (e) wantRecent(e);
    }
  }, { rootMargin: '200px' });
  visible.set(node, entry);
  observer.observe(node);
  return () => observer.unobserve(node);
}

export function Sparkline({ entry }) {
  const ref = useRef(null);
  useEffect(() => observe(ref.current, entry), [entry]);
  const checks = entry.recent.value || [];
  const failed = checks.filter((c) => !c.ok).length;
  const max = Math.max(1, ...checks.map((c) => c.ms || 0));
  const step = W / 30;
  const label = checks.length ? `Last ${checks.length} checks, ${failed} failed` : 'No checks yet';
  return (
    <svg ref={ref} class="spark" viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={label}>
      {checks.map((c, i) => {
        const h = c.ok ? Math.max(3, ((c.ms || 0) / max) * (H - 2)) : H;
        return <rect key={c.at} class={c.ok ? 'ok' : 'fail'} x={W - (checks.length - i) * step + 0.5} y={H - h} width={step - 1} height={h} />;
      })}
    </svg>
  );
}
