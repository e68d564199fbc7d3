// The one EventSource of the app. It feeds every message into state.js and to any page that
// listens, shows its state ('connecting', 'live', 'reconnecting'), and reconnects. On reconnect
// the server sends a fresh stats snapshot; the monitor list is reloaded to catch additions and
// deletions made meanwhile.
import { signal } from '@preact/signals';
import { getMe } from './api/auth.js';
import { streamUrl } from './api/monitors.js';
import { applyEvent, loadMonitors, signedOut } from './state.js';

export const connection = signal('offline');

const listeners = new Set();
let source = null;
let retry = null;
let attempts = 0;
let opened = false;

/** Calls fn with every message; returns the function that stops it. */
export function onLive(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function startLive() {
  if (source || retry) return;
  open();
}

export function stopLive() {
  clearTimeout(retry);
  retry = null;
  source?.close();
  source = null;
  opened = false;
  attempts = 0;
  connection.value = 'offline';
}

function open() {
  connection.value = opened ? 'reconnecting' : 'connecting';
  const es = new EventSource(streamUrl);
  source = es;
  es.onopen = () => {
    attempts = 0;
    if (opened) loadMonitors();
    opened = true;
    connection.value = 'live';
  };
  es.onmessage = (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    applyEvent(message);
    for (const fn of listeners) fn(message);
  };
  es.onerror = () => {
    if (source !== es) return;
    connection.value = 'reconnecting';
    opened = true;
    // CONNECTING: the browser retries by itself. CLOSED: it gave up (an error status), so we retry,
    // after checking that we are still signed in.
    if (es.readyState === EventSource.CLOSED) {
      es.close();
      source = null;
      const delay = Math.min(15000, 1000 * 2 ** attempts++);
      retry = setTimeout(async () => {
        retry = null;
        try {
          await getMe();
        } catch (error) {
          if (error.status === 401) {
            stopLive();
            signedOut();
            return;
          }
        }
        open();
      }, delay);
    }
  };
}
