"""Files in, clean redacted records out: readers, column mapping, normalisation, PII redaction, dedupe, chunks."""
