/** The page at / when the web console could not be built (the server's output says why): where the API is and how to log in. */
export function landingPage(version: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>skydag</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1f2933}code,pre{background:#f0f4f8;border-radius:4px;padding:.1rem .3rem}pre{padding:.8rem;overflow:auto}</style>
</head><body>
<h1>skydag ${escapeHtml(version)} is running</h1>
<p>The REST API (Airflow 2 stable API shapes) is at <a href="/api/v1/health"><code>/api/v1</code></a>. Log in for a token:</p>
<pre>curl -s -X POST localhost:8080/api/v1/auth/login -H 'content-type: application/json' \\
  -d '{"username": "admin", "password": "…"}'</pre>
<p>then call e.g. <code>GET /api/v1/dags</code> with <code>Authorization: Bearer &lt;token&gt;</code>
(HTTP Basic credentials work too). The web console is served here once it is built: <code>npm install</code>
builds it, and the server's output says why it could not be built.</p>
</body></html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
