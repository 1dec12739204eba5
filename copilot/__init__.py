"""PM Copilot: customer feedback and market research in, cited and verified product drafts out."""

__version__ = "0.1.0"

from copilot.threads import configure_early

configure_early()  # before numpy or scikit-learn load and size their thread pools
