"""Salesforce Enrichment Console sync engine: plain Python over plain data."""
