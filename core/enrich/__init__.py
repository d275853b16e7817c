"""Enrich: record → match key, enrichment sources (providers/), the field mapping, its transforms and linter."""
