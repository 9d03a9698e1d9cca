/**
 * Thin client of the gateway's REST API for the dashboard. Every call carries the API key of the identity the
 * user chose under "View as", so what the page shows is exactly what that identity may read.
 */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }

  /** The identity may not read this at all (403) — shown as a locked value, not as an error. */
  get forbidden() {
    return this.status === 403;
  }
}

export class Api {
  constructor(apiKey) {
    this.apiKey = apiKey;
  }

  async request(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const error = (json && json.error) || {};
      throw new ApiError(response.status, error.code || `HTTP_${response.status}`, error.message || response.statusText);
    }
    return json;
  }

  get(path, query) {
    const qs = query ? `?${new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null))}` : '';
    return this.request('GET', `${path}${qs}`);
  }

  post(path, body) {
    return this.request('POST', path, body);
  }

  /** Follows bookmarks until the list ends or `limit` items were read. */
  async list(path, query = {}, limit = 1000) {
    const items = [];
    let bookmark;
    do {
      const page = await this.get(path, { ...query, pageSize: 200, bookmark });
      const pageItems = Array.isArray(page) ? page : page && Array.isArray(page.items) ? page.items : [];
      items.push(...pageItems);
      bookmark = page && !Array.isArray(page) && page.bookmark && pageItems.length > 0 ? page.bookmark : undefined;
    } while (bookmark && items.length < limit);
    return items;
  }
}

/** Runs a read and turns "not allowed" into a value the views render as locked. */
export async function readOrLocked(read) {
  try {
    return { visible: true, value: await read() };
  } catch (error) {
    if (error instanceof ApiError && error.forbidden) return { visible: false, error };
    throw error;
  }
}
