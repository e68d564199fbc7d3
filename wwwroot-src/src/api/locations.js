// Locations (SPEC §16): 'local' is the main node, every other one an agent's.
import { del, get, post } from './http.js';

const base = '/api/v1/locations';

export const listLocations = () => get(base);
export const createLocation = (name) => post(base, { name });
export const deleteLocation = (id) => del(`${base}/${encodeURIComponent(id)}`);
export const monitorLocations = (id) => get(`/api/v1/monitors/${id}/locations`);
