// API tokens for scripts.
import { del, get, post } from './http.js';

export const listTokens = () => get('/api/v1/tokens');
export const createToken = (name, readOnly) => post('/api/v1/tokens', { name, read_only: readOnly });
export const revokeToken = (id) => del(`/api/v1/tokens/${id}`);
