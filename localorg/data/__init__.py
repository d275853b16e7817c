"""The org's data: record store, schema and describe, security model, validation, Ids, the demo seed."""
