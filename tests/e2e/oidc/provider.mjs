// A real OpenID Connect provider (npm oidc-provider) for the dashboard's sign-in browser tests.
//
//   node provider.mjs PORT REDIRECT_URI
//
// Listens on 127.0.0.1:PORT with issuer http://127.0.0.1:PORT, one confidential client
// (privacy-desk / privacy-desk-test-secret) whose sign-in and post-logout address is
// REDIRECT_URI, and the accounts below. Sign-in uses oidc-provider's own development pages:
// any password, the login is the account id. Like strict production providers it refuses
// prompt=select_account (Streamlit's default). Prints "ready" once it listens.
import Provider from "oidc-provider";

const [port, redirectUri] = process.argv.slice(2);
if (!port || !redirectUri) {
  console.error("usage: node provider.mjs PORT REDIRECT_URI");
  process.exit(2);
}

const ACCOUNTS = {
  admin: { email: "admin@desk.test", email_verified: true, name: "Ada Admin" },
  "fake-admin": { email: "admin@desk.test", email_verified: false, name: "Mallory" },
  "other-admin": { email: "admin@desk.test", email_verified: true, name: "Eve Lookalike" },
  merchant: { email: "merchant@desk.test", email_verified: true, name: "Mo Merchant" },
  compliance: { email: "compliance@desk.test", email_verified: true, name: "Cleo Compliance" },
  analyst: { email: "analyst@desk.test", email_verified: true, name: "Ann Analyst" },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: "privacy-desk",
      client_secret: "privacy-desk-test-secret",
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [redirectUri],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  conformIdTokenClaims: false, // the claims go in the ID token, which is what Streamlit reads
  cookies: { keys: ["privacy-desk-test-provider-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, sub) {
    const account = ACCOUNTS[sub];
    return account && { accountId: sub, claims: async () => ({ sub, ...account }) };
  },
  async loadExistingGrant(ctx) {
    // Every client is first-party here: no consent screen, the requested scopes are granted.
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
});
provider.proxy = false;

provider.listen(Number(port), "127.0.0.1", () => console.log("ready"));
