// Account links carry their token in the URL fragment (never sent to a server, so it stays out of
// logs and Referer headers). A page reads it once and removes it from the address bar and history.
export function takeTokenFromFragment(): string | null {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (token && window.location.hash) window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  return token;
}
