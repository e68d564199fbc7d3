// The notification channel API: the channel types, channels, test sends, delivery logs and the
// links between monitors and channels.
import { del, get, patch, post } from './http.js';

const channels = '/api/v1/notification-channels';
const links = (monitorId) => `/api/v1/monitors/${monitorId}/notification-channels`;

let types;
/** The channel types with their fields, in the server's order; asked for once, since only a new
 * server version changes them (a failure is asked again next time). */
export function channelTypes() {
  types ??= get('/api/v1/notification-channel-types').catch((e) => {
    types = undefined;
    throw e;
  });
  return types;
}

export const listChannels = () => get(channels);
export const createChannel = (channel) => post(channels, channel);
export const updateChannel = (id, changes) => patch(`${channels}/${id}`, changes);
export const deleteChannel = (id) => del(`${channels}/${id}`);
export const testChannel = (id) => post(`${channels}/${id}/test`);
export const deliveries = (id, limit = 25) => get(`${channels}/${id}/deliveries?limit=${limit}`);

export const listLinks = (monitorId) => get(links(monitorId));
export const linkChannel = (monitorId, channelId, onRecovery, onDegraded = false) =>
  post(links(monitorId), { channel_id: channelId, on_recovery: onRecovery, on_degraded: onDegraded });
/** Changes the flags given (on_recovery, on_degraded); the others keep their values. */
export const updateLink = (monitorId, channelId, flags) => patch(`${links(monitorId)}/${channelId}`, flags);
export const unlinkChannel = (monitorId, channelId) => del(`${links(monitorId)}/${channelId}`);
