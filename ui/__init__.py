"""Small shared rendering helpers for the console's pages: frame (role, sidebar, settings), badges, connection views."""
