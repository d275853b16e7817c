"""The data APIs: REST rows, query and describe, composite, replication, limits, Bulk API 2.0."""
