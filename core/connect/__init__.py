"""Connect: environments, OAuth (PKCE, JWT), sign-in flows, the encrypted token store, named connections, the demo org."""
