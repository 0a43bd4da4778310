"""The GraphiQL page served at GET /graphql (not in production).

Everything it loads comes from this server (api/graphiql_assets.py); the
Content-Security-Policy makes the browser refuse anything else. A bar above the
IDE takes a bearer token, or exchanges a client_id and client_secret for one at
/oauth/token; the token lives in this tab's sessionStorage (never localStorage)
and is sent as `Authorization: Bearer`. Setting it re-fetches the schema, so the
docs and autocomplete fill in. GraphiQL's own editor state goes to sessionStorage
too, through the `storage` prop.
"""

from __future__ import annotations

import html
import json
import re
import secrets

import anyio
from starlette.requests import Request
from starlette.responses import HTMLResponse

from api.graphiql_assets import asset_url, load_asset
from api.graphiql_example import EXAMPLE_QUERY

TOKEN_PATH = "oauth/token"  # relative to the page at /graphql, like every URL on it
CURL_QUERY = "{ viewer { kind clientId scopes } }"
_TOKEN_URL, _GRAPHQL_URL = "__QIANBAO_TOKEN_URL__", "__QIANBAO_GRAPHQL_URL__"


def shell_quote(text: str) -> str:
    """POSIX single quotes (the page's script quotes the same way)."""
    return "'" + text.replace("'", "'\\''") + "'"


def curl_example(*, token_url: str, graphql_url: str) -> str:
    """Two commands that run as printed in bash or zsh, once QIANBAO_CLIENT_ID and
    QIANBAO_CLIENT_SECRET are set: get a token, then ask who we are."""
    body = json.dumps({"query": CURL_QUERY}, separators=(",", ":"))
    return "\n".join([
        f"TOKEN=$(curl -s -X POST {shell_quote(token_url)} \\",
        "  -d grant_type=client_credentials \\",
        '  --data-urlencode "client_id=${QIANBAO_CLIENT_ID:?set QIANBAO_CLIENT_ID}" \\',
        '  --data-urlencode "client_secret=${QIANBAO_CLIENT_SECRET:?set QIANBAO_CLIENT_SECRET}" \\',
        "  | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r[\"access_token\"]) if \"access_token\" in r"
        " else sys.exit(r)')",
        f"curl -s {shell_quote(graphql_url)} \\",
        '  -H "Authorization: Bearer $TOKEN" \\',
        "  -H 'Content-Type: application/json' \\",
        f"  --data {shell_quote(body)}",
    ])


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _csp(nonce: str) -> str:
    return "; ".join([
        "default-src 'none'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",  # GraphiQL sets inline styles
        "img-src 'self' data:",
        "font-src 'self' data:",  # the fonts are data: URLs inside graphiql.min.css
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ])


async def graphiql_page(request: Request) -> HTMLResponse:
    """The page, with the curl example pointing at the host the browser asked for."""
    base = str(request.base_url)  # scheme://host[:port]/root_path/ ; the script swaps in location.origin
    nonce = secrets.token_urlsafe(16)
    config = {
        "exampleQuery": EXAMPLE_QUERY,
        "curlTemplate": curl_example(token_url=_TOKEN_URL, graphql_url=_GRAPHQL_URL),
        "tokenUrlPlaceholder": _TOKEN_URL,
        "graphqlUrlPlaceholder": _GRAPHQL_URL,
    }
    curl = curl_example(token_url=base + TOKEN_PATH, graphql_url=base + "graphql")
    names = ("graphiql.min.css", "react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
    for name in names:  # the first read hashes a few megabytes: off the event loop
        await anyio.to_thread.run_sync(load_asset, name)
    assets = {name: asset_url(name) for name in names}
    sri = {name: load_asset(name).integrity for name in names}
    scripts = "\n".join(
        f'<script src="{html.escape(assets[name])}" integrity="{sri[name]}"></script>'
        for name in ("react.production.min.js", "react-dom.production.min.js", "graphiql.min.js")
    )
    values = {
        "css": f'<link rel="stylesheet" href="{html.escape(assets["graphiql.min.css"])}"'
               f' integrity="{sri["graphiql.min.css"]}">',
        "scripts": scripts,
        "config": _script_json(config),
        "nonce": nonce,
        "token_path": TOKEN_PATH,
        "curl": html.escape(curl),
        "script": _SCRIPT,
    }
    # One pass, so nothing a value brings in (the Host header is in the curl) is substituted again.
    page = re.sub(r"\{\{(\w+)\}\}", lambda match: values[match.group(1)], _PAGE)
    return HTMLResponse(page, headers={
        "Content-Security-Policy": _csp(nonce),
        "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    })


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Qianbao GraphiQL</title>
{{css}}
<style>
html, body { height: 100%; margin: 0; }
body { display: flex; flex-direction: column; font: 13px system-ui, sans-serif; }
#qb-bar { display: flex; flex-wrap: wrap; gap: 6px 16px; align-items: center; padding: 6px 10px;
  border-bottom: 1px solid #d0d5dd; background: #f6f7f9; color: #1f2933; }
#qb-bar form { display: flex; gap: 4px; align-items: center; margin: 0; }
#qb-bar input { font: inherit; padding: 3px 6px; border: 1px solid #b8c0cc; border-radius: 3px; }
#qb-bar button { font: inherit; padding: 3px 8px; cursor: pointer; }
#qb-status { font-weight: 600; }
#qb-status.qb-bad { color: #b42318; }
#qb-status.qb-ok { color: #067647; }
#qb-curl pre { margin: 6px 0 0; padding: 8px; background: #fff; border: 1px solid #d0d5dd;
  overflow-x: auto; font: 12px ui-monospace, monospace; }
#graphiql { flex: 1; min-height: 0; }
</style>
</head>
<body>
<div id="qb-bar">
  <form id="qb-token-form" autocomplete="off">
    <label for="qb-token">Bearer token</label>
    <input id="qb-token" name="token" type="password" size="24" placeholder="paste an access token" autocomplete="off">
    <button type="submit">Use token</button>
  </form>
  <form id="qb-credentials-form" action="{{token_path}}" method="post" autocomplete="off">
    <input type="hidden" name="grant_type" value="client_credentials">
    <label for="qb-client-id">or client_id</label>
    <input id="qb-client-id" name="client_id" size="18" autocomplete="off" required>
    <label for="qb-client-secret">client_secret</label>
    <input id="qb-client-secret" name="client_secret" type="password" size="18" autocomplete="off" required>
    <button type="submit">Get token</button>
  </form>
  <span id="qb-status" role="status">No token: the schema, docs and autocomplete load once one is set.</span>
  <button id="qb-forget" type="button" hidden>Forget token</button>
  <details id="qb-curl">
    <summary>curl</summary>
    <p>Set <code>QIANBAO_CLIENT_ID</code> and <code>QIANBAO_CLIENT_SECRET</code> in your shell
    (<code>qianbao demo</code> prints a pair), then run:</p>
    <pre id="qb-curl-text">{{curl}}</pre>
  </details>
</div>
<div id="graphiql">Loading GraphiQL…</div>
<script type="application/json" id="qb-config">{{config}}</script>
{{scripts}}
<script nonce="{{nonce}}">
{{script}}
</script>
</body>
</html>
"""

# The page's own script. The token is kept in this tab's sessionStorage (or only in
# memory when that is unavailable), never anywhere that outlives the tab.
_SCRIPT = r"""
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("qb-config").textContent);
  var TOKEN_KEY = "qianbao.graphiql.token";
  var memory = {};
  var session = (function () {
    try { var s = window.sessionStorage; s.setItem("qianbao.probe", "1"); s.removeItem("qianbao.probe"); return s; }
    catch (e) { return null; }
  })();
  function read(key) { return session ? session.getItem(key) : (key in memory ? memory[key] : null); }
  function write(key, value) {
    if (session) { try { session.setItem(key, value); return; } catch (e) { /* full: keep it in memory */ } }
    memory[key] = value;
  }
  function remove(key) { if (session) { session.removeItem(key); } delete memory[key]; }

  // GraphiQL's `storage` prop: its tabs, history and settings stay in this tab only.
  var graphiqlStorage = {
    getItem: read,
    setItem: write,
    removeItem: remove,
    clear: function () { graphiqlKeys().forEach(remove); },
    get length() { return graphiqlKeys().length; }
  };
  function graphiqlKeys() {
    var keys = session ? Object.keys(session) : Object.keys(memory);
    return keys.filter(function (k) { return k.indexOf("graphiql:") === 0; });
  }

  var graphqlUrl = window.location.origin + window.location.pathname;
  var credentialsForm = document.getElementById("qb-credentials-form");
  var tokenUrl = new URL(credentialsForm.getAttribute("action"), window.location.href).href;
  var status = document.getElementById("qb-status");
  var forget = document.getElementById("qb-forget");
  var refused = null;  // the access token the server last answered 401 to

  function shellQuote(text) { return "'" + text.split("'").join("'\\''") + "'"; }
  document.getElementById("qb-curl-text").textContent = config.curlTemplate
    .split(config.tokenUrlPlaceholder).join(shellQuote(tokenUrl).slice(1, -1))
    .split(config.graphqlUrlPlaceholder).join(shellQuote(graphqlUrl).slice(1, -1));

  function currentToken() {
    var saved = read(TOKEN_KEY);
    if (!saved) { return null; }
    try { return JSON.parse(saved); } catch (e) { return null; }
  }
  function showStatus(text, kind, title) {
    status.textContent = text;
    status.title = title || "";
    status.className = kind ? "qb-" + kind : "";
  }
  function describe(token) {
    if (!token) {
      forget.hidden = true;
      showStatus("No token: the schema, docs and autocomplete load once one is set.", "");
      return;
    }
    forget.hidden = false;
    if (token.accessToken === refused) {
      showStatus("The server refused the token (expired?): set a new one.", "bad");
      return;
    }
    var scopes = token.scope ? token.scope.split(" ") : [];
    var text = "Token set" + (scopes.length ? " (" + scopes.length + (scopes.length === 1 ? " scope" : " scopes") + ")" : "");
    if (token.expiresAt) {
      var minutes = Math.round((token.expiresAt - Date.now()) / 60000);
      text += minutes > 0 ? ", expires in about " + minutes + " min" : ", expired: get a new one";
    }
    showStatus(text + ".", token.expiresAt && token.expiresAt < Date.now() ? "bad" : "ok", token.scope);
  }

  function hasAuthorization(headers) {
    return Object.keys(headers || {}).some(function (k) { return k.toLowerCase() === "authorization"; });
  }
  function makeFetcher(token) {
    return function fetcher(params, options) {
      var extra = (options && options.headers) || {};
      if (!token && !hasAuthorization(extra)) {
        return Promise.resolve({ errors: [{ message:
          "No token yet: paste a bearer token or get one with your client_id and client_secret in the bar above." }] });
      }
      var headers = { "Content-Type": "application/json", "Accept": "application/json" };
      if (token && !hasAuthorization(extra)) { headers.Authorization = "Bearer " + token.accessToken; }
      Object.keys(extra).forEach(function (k) { headers[k] = extra[k]; });
      return fetch(graphqlUrl, { method: "POST", headers: headers, body: JSON.stringify(params), credentials: "omit" })
        .then(function (response) {
          if (response.status === 401 && token) { refused = token.accessToken; describe(token); }
          return response.text().then(function (text) {
            try { return JSON.parse(text); }
            catch (e) { return { errors: [{ message: "HTTP " + response.status + ": " + text }] }; }
          });
        });
    };
  }

  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  function render() {
    var token = currentToken();
    describe(token);
    // A new fetcher makes GraphiQL introspect again: docs and autocomplete follow the token.
    root.render(React.createElement(GraphiQL, {
      fetcher: makeFetcher(token),
      defaultQuery: config.exampleQuery,
      storage: graphiqlStorage,
      shouldPersistHeaders: false
    }));
  }
  function setToken(accessToken, expiresIn, scope) {
    var token = { accessToken: accessToken, scope: scope || "" };
    if (expiresIn) { token.expiresAt = Date.now() + expiresIn * 1000; }
    write(TOKEN_KEY, JSON.stringify(token));
    render();
  }

  document.getElementById("qb-token-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("qb-token");
    var value = input.value.trim().replace(/^Bearer\s+/i, "");
    input.value = "";
    if (value) { setToken(value, null, ""); }
  });
  credentialsForm.addEventListener("submit", function (event) {
    event.preventDefault();
    showStatus("Asking " + tokenUrl + " for a token…", "");
    fetch(tokenUrl, { method: "POST", body: new URLSearchParams(new FormData(credentialsForm)), credentials: "omit" })
      .then(function (response) { return response.json().catch(function () { return {}; }); })
      .then(function (body) {
        if (body.access_token) {
          document.getElementById("qb-client-secret").value = "";
          setToken(body.access_token, body.expires_in, body.scope);
        } else {
          showStatus("No token: " + (body.error_description || body.error || "the token endpoint did not answer"), "bad");
        }
      }, function (error) { showStatus("No token: " + error, "bad"); });
  });
  forget.addEventListener("click", function () { remove(TOKEN_KEY); render(); });
  setInterval(function () { describe(currentToken()); }, 30000);
  render();
})();
"""
