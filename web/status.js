// Shows the live result of GET /health on the landing page.
const statusEl = document.getElementById('status');
const checksEl = document.getElementById('checks');

async function refresh() {
  try {
    const res = await fetch('/health', { cache: 'no-store' });
    const body = await res.json();
    statusEl.textContent = `${body.status === 'ok' ? 'Healthy' : 'Degraded'} — version ${body.version}, up ${body.uptime_seconds} s`;
    checksEl.replaceChildren();
    for (const [name, check] of Object.entries(body.checks)) {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = check.status;
      checksEl.append(dt, dd);
    }
  } catch (err) {
    statusEl.textContent = `Cannot reach the server: ${err.message}`;
  }
}

refresh();
setInterval(refresh, 10000);
