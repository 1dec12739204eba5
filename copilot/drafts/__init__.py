"""Drafts a PM writes (pain-point summary, personas, SWOT, PRD), each verified before anyone sees it."""
