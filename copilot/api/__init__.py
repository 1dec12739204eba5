"""The HTTP service: REST, streaming chat, an OpenAI-compatible endpoint, jobs, health and metrics."""
