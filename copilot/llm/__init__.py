"""The one place that talks to a model SDK."""
