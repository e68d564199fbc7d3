// Maintenance windows and the tags in use.
import { del, get, patch, post } from './http.js';

const base = '/api/v1/maintenance';

export const listWindows = () => get(base);
export const getWindow = (id) => get(`${base}/${id}`);
export const createWindow = (body) => post(base, body);
export const updateWindow = (id, body) => patch(`${base}/${id}`, body);
export const deleteWindow = (id) => del(`${base}/${id}`);

export const listTags = () => get('/api/v1/tags');
