// What a monitor carries beside its name: its tags as chips (buttons that filter by the tag when
// onTag is given), and what holds back its alerts (a maintenance window, a parent that is down).
import { entries } from '../state.js';

export function MonitorMarks({ monitor: m, activeTag, onTag }) {
  const blocked = (m.blocked_by || []).map((id) => entries.value.get(id)?.monitor.value.name || id);
  return (
    <span class="marks">
      {m.in_maintenance && <span class="badge badge-maintenance">In maintenance</span>}
      {blocked.length > 0 && <span class="badge badge-blocked">Blocked by {blocked.join(', ')}</span>}
      {(m.tags || []).map((name) =>
        onTag ? (
          <button type="button" key={name} class="chip" aria-pressed={activeTag === name} aria-label={`Tag ${name}`} onClick={() => onTag(name)}>
            {name}
          </button>
        ) : (
          <span key={name} class="chip">
            {name}
          </span>
        ),
      )}
    </span>
  );
}
