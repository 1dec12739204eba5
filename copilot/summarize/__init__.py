"""Batch summarisation of a survey dump: ingest, themes per question, narratives, and a report a PM can forward."""
