// A real third-party OpenID provider (panva/node-oidc-provider) for the login tests.
// Started by tests/oidc/conftest.py on loopback: PORT, REDIRECT_URI, POST_LOGOUT_URI,
// CLIENT_ID, CLIENT_SECRET come from the environment. Its devInteractions pages are
// plain HTML forms (any login name, any password; then a consent form).
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;

// login name -> claims; the portal reads its staff roles from the "roles" claim
const accounts = {
  'supervisor-x': { name: 'Supervisor X', email: 'sx@ci.example', roles: ['purchasing_supervisor'] },
  'finance-y': { name: 'Finance Y', email: 'fy@ci.example', roles: 'finance' },
  'nobody-z': { name: 'Nobody Z', email: 'nz@ci.example', roles: [] },
};

const configuration = {
  clients: [{
    client_id: process.env.CLIENT_ID,
    client_secret: process.env.CLIENT_SECRET,
    redirect_uris: [process.env.REDIRECT_URI],
    post_logout_redirect_uris: [process.env.POST_LOGOUT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true, methods: ['S256'] },
  scopes: ['openid', 'profile', 'email', 'roles'],
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email', 'email_verified'],
    roles: ['roles'],
  },
  async findAccount(ctx, id) {
    const account = accounts[id] ?? { name: id, email: `${id}@ci.example`, roles: [] };
    return {
      accountId: id,
      async claims() {
        return { sub: id, email_verified: true, ...account };
      },
    };
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ['ci-only-cookie-key-0123456789abcdef'] },
};

const provider = new Provider(issuer, configuration);
provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
