// The console's only server: the public /graphql API, with the signed-in staff member's token.
// The token lives in memory and sessionStorage (gone with the tab), never in the browser's persistent storage.
const TOKEN_KEY = "qianbao.console.token";
// The bearer token is the only credential: no cookie or HTTP authentication is ever sent. "omit" also keeps the
// browser from answering a 401 that carries `WWW-Authenticate: Basic` (as /auth/login's refusal does) with its own
// password dialog, which would stall the request instead of handing the refusal to the page.
const CREDENTIALS = "omit";

export class AuthExpired extends Error {}

export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

let token = sessionStorage.getItem(TOKEN_KEY);

export function hasToken() {
  return Boolean(token);
}

export function signOut() {
  token = null;
  sessionStorage.removeItem(TOKEN_KEY);
}

export async function signIn(email, password) {
  const response = await fetch("/auth/login", {
    method: "POST", credentials: CREDENTIALS, headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(body.error_description || body.error || `HTTP ${response.status}`, body.error);
  token = body.access_token;
  sessionStorage.setItem(TOKEN_KEY, token);
  return body;
}

// Run a query or mutation; throws AuthExpired (back to login), ApiError (first error) or returns data.
export async function gql(query, variables = {}) {
  if (!token) throw new AuthExpired("not signed in");
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      credentials: CREDENTIALS,
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new ApiError(String(err), "NETWORK");
  }
  if (response.status === 401) {
    signOut();
    throw new AuthExpired("session expired");
  }
  const body = await response.json().catch(() => ({}));
  const errors = body.errors || [];
  if (errors.some((e) => (e.extensions || {}).code === "UNAUTHENTICATED")) {
    signOut();
    throw new AuthExpired("session expired");
  }
  if (errors.length) throw new ApiError(errors[0].message, (errors[0].extensions || {}).code);
  if (!response.ok) throw new ApiError(`HTTP ${response.status}`, "HTTP");
  return body.data;
}

// A mutation payload's first userError as an ApiError (the payload itself otherwise).
export function payloadOrThrow(payload) {
  const problems = (payload && payload.userErrors) || [];
  if (problems.length) throw new ApiError(problems[0].message, problems[0].code);
  return payload;
}
