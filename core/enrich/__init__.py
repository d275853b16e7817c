"""The enrich room: matching records to keys, enrichment sources, the mapping, its linter and transforms."""
