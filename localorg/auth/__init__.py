"""Sign-in: OAuth endpoints and pages, tokens and API usage, identity payloads."""
