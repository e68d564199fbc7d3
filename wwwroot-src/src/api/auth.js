// Sign-in, first-run setup and the session.
import { get, post } from './http.js';

export const getAuthConfig = () => get('/auth/config');
export const getMe = () => get('/auth/me');
export const setupOwner = (token, name, password) => post('/auth/setup', { token, name, password });
export const login = (name, password) => post('/auth/login', { name, password });
export const logout = () => post('/auth/logout');
