// A real OpenID provider (npm `oidc-provider`, pinned in package-lock.json) on loopback. It stands
// in for Google (or an organization's IdP) in the server's handler tests, the browser tests and
// `cargo xtask demo`, so none of them need the internet.
//
//   node provider.mjs [--port N] [--clients JSON] [--id-token-ttl SECONDS] [--trailing-slash]
//                     [--hosted-domain DOMAIN]
//   (or OIDC_PORT / OIDC_CLIENTS / OIDC_ID_TOKEN_TTL in the environment)
//
// --clients: a JSON array of clients, e.g.
//   [{"client_id": "rp", "client_secret": "s3cret", "redirect_uris": ["http://127.0.0.1:8080/api/v1/auth/oauth/google/callback"]}]
// --trailing-slash: the issuer ends with "/" (as Auth0's do).
// --hosted-domain: accounts whose email is in DOMAIN carry Google's `hd: DOMAIN` (a Workspace).
// Port 0 (the default) takes an ephemeral port. When ready it prints one JSON line on stdout:
//   {"issuer": "http://127.0.0.1:PORT", "port": PORT, "now": <unix seconds>}
// and serves until killed (SIGTERM/SIGINT) or until its stdin closes (so a test that dies does
// not leave it behind).
//
// Accounts: any login name works with any password (oidc-provider's dev interactions: a login
// form, then a consent form). The login is the account id (`sub`). Claims:
//   email           the login if it contains "@", else "<login>@example.com"
//   email_verified  false when the login starts with "unverified", true otherwise
//   name            the part before "@"
//   hd              with --hosted-domain, for emails in that domain
// ID tokens carry these claims (conformIdTokenClaims: false), as Google's do.

import { createServer } from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const port = Number(arg('port') ?? process.env.OIDC_PORT ?? 0);
// Lifetime of ID tokens in seconds (the tests shorten it to expire one).
const idTokenTtl = Number(arg('id-token-ttl') ?? process.env.OIDC_ID_TOKEN_TTL ?? 3600);
const hostedDomain = arg('hosted-domain');
const clients = JSON.parse(arg('clients') ?? process.env.OIDC_CLIENTS ?? '[]').map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: c.client_secret ? 'client_secret_basic' : 'none',
  ...c,
}));

function account(login) {
  const email = login.includes('@') ? login : `${login}@example.com`;
  return {
    accountId: login,
    async claims() {
      return {
        sub: login,
        email,
        email_verified: !login.startsWith('unverified'),
        name: email.split('@')[0],
        ...(hostedDomain && email.endsWith(`@${hostedDomain}`) ? { hd: hostedDomain } : {}),
      };
    },
  };
}

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const actual = server.address().port;
  const issuer = `http://127.0.0.1:${actual}${process.argv.includes('--trailing-slash') ? '/' : ''}`;
  const provider = new Provider(issuer, {
    clients,
    findAccount: async (_ctx, id) => account(id),
    claims: {
      openid: ['sub', 'hd'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    conformIdTokenClaims: false,
    cookies: { keys: ['local-oidc-provider-dev-key'] },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    ttl: { IdToken: idTokenTtl },
    // A plain error page with the error JSON (the tests read it).
    renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>error</title><pre id="error">${JSON.stringify(out).replace(/[&<>]/g, (c) => `&#${c.charCodeAt(0)};`)}</pre>`;
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer, port: actual, now: Math.floor(Date.now() / 1000) })}\n`);
});

// The parent may stop reading stdout after the ready line (oidc-provider logs notices there).
process.stdout.on('error', () => {});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent holds our stdin open; when it goes away, so do we.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
