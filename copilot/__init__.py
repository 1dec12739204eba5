"""PM Copilot: customer feedback and market research in, cited and verified product drafts out."""

__version__ = "0.1.0"
