/*
 * What Leadflow's pages share (window.leadflow): calling the API as the signed-in user, with the page's CSRF token
 * (the hidden input #csrf) on writes and a failure thrown in the problem's own words; building elements; dates.
 */
(function () {
  /** Calls the API as this page's session; resolves with the answer's JSON, throws with the problem's words. */
  async function call(method, url, body) {
    const csrf = document.getElementById('csrf');
    const headers = { 'Accept': 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf && csrf.value) headers[csrf.dataset.header] = csrf.value;
    const res = await fetch(url, { method: method, credentials: 'same-origin', headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const fields = (data.errors || []).map(e => e.field + ': ' + e.message).join('; ');
      throw new Error(data.detail || fields || ('The server answered ' + res.status + ': nothing changed.'));
    }
    return data;
  }

  /** An element with attributes ('class', 'data-…', others) and children (elements or text). */
  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (v === undefined || v === null) return;
      if (k === 'class') e.className = v;
      else if (k.startsWith('data-')) e.dataset[k.slice(5).replace(/-(.)/g, (m, c) => c.toUpperCase())] = v;
      else e.setAttribute(k, v);
    });
    (children || []).forEach(c => e.append(c));
    return e;
  }

  /** An instant in the reader's time zone, e.g. "Dec 7, 2026, 3:23 AM"; empty for none. */
  function when(iso) {
    return iso ? new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' }) : '';
  }

  window.leadflow = Object.freeze({ call: call, el: el, when: when });
})();
