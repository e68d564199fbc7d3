// The status page API: pages with their sections, and each page's announcements with their updates.
import { del, get, patch, post } from './http.js';

const pages = '/api/v1/status-pages';

export const listPages = () => get(pages);
export const getPage = (id) => get(`${pages}/${id}`);
export const createPage = (page) => post(pages, page);
export const updatePage = (id, changes) => patch(`${pages}/${id}`, changes);
export const deletePage = (id) => del(`${pages}/${id}`);

export const listAnnouncements = (id) => get(`${pages}/${id}/announcements`);
export const createAnnouncement = (id, announcement) => post(`${pages}/${id}/announcements`, announcement);
export const deleteAnnouncement = (id, aid) => del(`${pages}/${id}/announcements/${aid}`);
export const addUpdate = (id, aid, update) => post(`${pages}/${id}/announcements/${aid}/updates`, update);
