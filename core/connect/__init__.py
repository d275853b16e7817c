"""Connect: environments, OAuth and the sign-in flows, the token store, named connections and the demo org."""
