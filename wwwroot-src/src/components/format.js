// Numbers and times the way the UI shows them.
import { signal } from '@preact/signals';

/** Ticks every 10 s so that "12 s ago" labels stay true. */
export const now = signal(Date.now());
setInterval(() => (now.value = Date.now()), 10000);

export const percent = (uptime) =>
  uptime == null ? '—' : `${uptime === 1 ? '100' : (Math.floor(uptime * 10000) / 100).toFixed(2)}%`;

export const millis = (ms) =>
  ms == null ? '—' : ms >= 1000 ? `${(ms / 1000).toFixed(ms >= 10000 ? 0 : 2)} s` : `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;

export function duration(seconds) {
  if (seconds == null) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ''}`.trim();
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function ago(iso, at = now.value) {
  if (!iso) return 'never';
  const seconds = Math.max(0, (at - Date.parse(iso)) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${Math.floor(seconds)} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export const dateTime = (iso) =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—';

export const statusLabel = { up: 'Up', degraded: 'Degraded', down: 'Down', unknown: 'Pending', paused: 'Paused' };
