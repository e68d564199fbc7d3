// Keeps a status page fresh: every 30 s (or ?refresh=S, at least 5) it asks the page's summary.json,
// which the browser revalidates with its ETag, and only when the version there differs from the one
// shown does it fetch the page and swap in its <main>. The page itself reads fully without this.
(() => {
  const main = document.getElementById('main');
  if (!main || !main.dataset.version || !window.fetch) return;
  const base = main.dataset.base || '';
  const live = document.getElementById('live');
  const asked = Number(new URLSearchParams(location.search).get('refresh'));
  const every = Math.max(5, asked || 30) * 1000;
  let busy = false;
  const get = (path) => fetch(path, { cache: 'no-cache', credentials: 'same-origin' });
  async function refresh() {
    if (busy || document.hidden) return;
    busy = true;
    try {
      const summary = await get(base + '/summary.json');
      if (!summary.ok) return;
      const data = await summary.json();
      if (String(data.version) === main.dataset.version) return;
      const response = await get(base || '/');
      if (!response.ok) return;
      const next = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById('main');
      if (!next) return;
      const open = new Set([...main.querySelectorAll('li.monitor details[open]')].map((d) => d.closest('li.monitor').dataset.monitor));
      const before = main.querySelector('#overall')?.textContent;
      main.replaceChildren(...next.childNodes);
      main.dataset.version = next.dataset.version;
      for (const item of main.querySelectorAll('li.monitor')) if (open.has(item.dataset.monitor)) item.querySelector('details')?.setAttribute('open', '');
      const after = main.querySelector('#overall')?.textContent;
      if (live && after !== before) live.textContent = after;
      main.dispatchEvent(new CustomEvent('flatline:refreshed'));
    } catch {
      // Offline or restarting: the next tick tries again.
    } finally {
      busy = false;
    }
  }
  setInterval(refresh, every);
  document.addEventListener('visibilitychange', refresh);
})();
