// A real OpenID provider (oidc-provider 8) for Flatline's sign-in tests, on 127.0.0.1.
//
// env: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, and DEBUG_REQUESTS=1 to log each request;
// configured as providers are in the wild:
//   TOKEN_AUTH_METHOD   how the client is registered to authenticate at the token endpoint
//                       (client_secret_basic, the default, or client_secret_post); discovery offers both.
//                       oidc-provider itself takes basic and post alike; registered for post, this one
//                       refuses basic with invalid_client, as many providers refuse a method not registered
//   CLAIMS_IN_ID_TOKEN  1 puts email and name in the ID token too; by default (oidc-provider's, and many
//                       providers') they are only at the userinfo endpoint, as scopes ask for them there
// Signing in needs no form: /interaction/:uid completes login and consent at once for the account
// named by the browser's `test_account` cookie (set by the test in its cookie jar). An account whose
// name starts with `anonymous` has no email and no name, only its sub.
// POST /admin/rotate replaces the signing key with a new one (a new kid) and answers the kid.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const tokenAuthMethod = process.env.TOKEN_AUTH_METHOD || 'client_secret_basic';
const issuer = `http://127.0.0.1:${port}`;
const cookieKeys = [randomUUID()];

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

function newProvider(key) {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: tokenAuthMethod,
    }],
    jwks: { keys: [key] },
    cookies: { keys: cookieKeys },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    conformIdTokenClaims: process.env.CLAIMS_IN_ID_TOKEN !== '1',
    pkce: { methods: ['S256'], required: () => true },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (ctx, sub) => ({
      accountId: sub,
      claims: () => (sub.startsWith('anonymous') ? { sub } : { sub, email: `${sub}@example.test`, email_verified: true, name: `Test ${sub}` }),
    }),
  });
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  return provider;
}

let provider = newProvider(newSigningKey());
let handler = provider.callback();

function cookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session, grantId } = details;
  if (prompt.name === 'login') {
    const account = cookie(req, 'test_account');
    if (!account) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('set the test_account cookie to choose who signs in');
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: account } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

const server = createServer(async (req, res) => {
  if (process.env.DEBUG_REQUESTS) console.log(req.method, req.url);
  try {
    const path = new URL(req.url, issuer).pathname;
    if (req.method === 'POST' && path === '/admin/rotate') {
      const key = newSigningKey();
      provider = newProvider(key);
      handler = provider.callback();
      res.writeHead(200, { 'content-type': 'text/plain' }).end(key.kid);
    } else if (req.method === 'POST' && path === '/token' && tokenAuthMethod === 'client_secret_post' && req.headers.authorization) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="token"' }).end(JSON.stringify({
        error: 'invalid_client',
        error_description: 'client authentication failed: the client is registered for client_secret_post, not client_secret_basic',
      }));
    } else if (req.method === 'GET' && path.startsWith('/interaction/')) {
      await interaction(req, res);
    } else {
      handler(req, res);
    }
  } catch (error) {
    console.error(error);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
  }
});

server.listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
