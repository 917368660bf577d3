// A real OpenID Connect provider for the tests: the certified `oidc-provider` package on loopback, with its
// development login pages (any password; the login name picks an account from the configuration).
// Configuration comes as JSON in OIDC_TEST_CONFIG: {port, clients: [...], accounts: {login: claims}, idTokenTtl,
// tokenDelayMs}. It prints "ready <issuer>" once it listens.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: config.clients,
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  claims: { openid: ['sub', 'tid', 'xms_edov'], email: ['email', 'email_verified'], profile: ['name'] },
  // The claims of the scopes asked for go into the ID token itself (as Entra ID and NHSmail do).
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  ttl: { IdToken: config.idTokenTtl || 3600 },
  cookies: { keys: ['test-only-cookie-key'] },
  features: { devInteractions: { enabled: true } },
});
provider.proxy = false;

// A slow token endpoint, for the test of an ID token that expires before it arrives.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && config.tokenDelayMs) {
    await new Promise((resolve) => setTimeout(resolve, config.tokenDelayMs));
  }
});

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
