"""The eval suite: cases are data under evals/, metrics are code here, and the same suite runs on any provider."""
