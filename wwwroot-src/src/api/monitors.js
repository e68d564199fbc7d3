// Monitors and what hangs off them: checks, incidents, stats, uptime and latency.
import { del, get, patch, post, put } from './http.js';

const base = '/api/v1/monitors';

export const listMonitors = () => get(base);
export const getMonitor = (id) => get(`${base}/${id}`);
export const createMonitor = (body) => post(base, body);
export const replaceMonitor = (id, body) => put(`${base}/${id}`, body);
export const updateMonitor = (id, changes) => patch(`${base}/${id}`, changes);
export const deleteMonitor = (id) => del(`${base}/${id}`);

export const listChecks = (id, limit) => get(`${base}/${id}/checks?limit=${limit}`);
export const listIncidents = (id, limit) => get(`${base}/${id}/incidents?limit=${limit}`);
export const getStats = (id) => get(`${base}/${id}/stats`);
export const getUptime = (id, days) => get(`${base}/${id}/uptime?days=${days}`);
export const getLatency = (id, from, to) => get(`${base}/${id}/latency?from=${from.toISOString()}&to=${to.toISOString()}`);

/** The live stream's URL (one EventSource, in live.js). */
export const streamUrl = '/api/v1/stats/stream';
export const getAllStats = () => get('/api/v1/stats');
