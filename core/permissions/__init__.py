"""Permission diagnostics: pure checks over recorded org payloads → findings with fixes, and the permission-set file."""
