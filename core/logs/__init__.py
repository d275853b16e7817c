"""The console's own SQLite database: mappings with their history, runs and the enrichment log."""
