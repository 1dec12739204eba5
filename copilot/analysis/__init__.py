"""The evidence layer: themes, statistics, sentiment, segments and trends, all computed by code."""
