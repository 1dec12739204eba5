"""The survey report: a survey dump in, a report a PM can forward out (themes per question, narratives, charts)."""
