"""Single sign-on with an OpenID Connect provider (Okta, Google Workspace, Entra ID,
Keycloak, ...), beside local accounts. provider.py speaks to the provider (discovery, the
authorization code flow with state, nonce and PKCE, ID token checks); people.py turns a
checked ID token into a Casework user in the role its groups map to; errors.py names what
can go wrong, each with the status and the words a person is shown."""
