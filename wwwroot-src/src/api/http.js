// Every call to the server goes through here: JSON in and out, problems (RFC 9457) thrown as
// ApiError with the field errors keyed as the server names them ("config.url", "timeout", …).
// The per-resource modules beside this one name the paths; pages call those.

let unauthorized = () => {};

/** What to do when an API call finds the session gone (state.js signs the user out). */
export function onUnauthorized(fn) {
  unauthorized = fn;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `request failed (${status})`);
    this.status = status;
    this.errors = problem?.errors || {};
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, { detail: 'cannot reach Flatline; check that it is running' });
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // a non-JSON body (a proxy's error page) is reported by status below
  }
  if (!response.ok) {
    if (response.status === 401 && path.startsWith('/api/')) unauthorized();
    throw new ApiError(response.status, json);
  }
  return json;
}

export const get = (path) => api(path);
export const post = (path, body = {}) => api(path, { method: 'POST', body });
export const patch = (path, body) => api(path, { method: 'PATCH', body });
export const put = (path, body) => api(path, { method: 'PUT', body });
export const del = (path) => api(path, { method: 'DELETE' });
