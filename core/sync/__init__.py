"""Sync: the blank-only guard (with its cells and value conversions) and the diff; next the snapshot and the writer."""
