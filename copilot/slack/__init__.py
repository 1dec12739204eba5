"""The Slack bot: ask, draft and summarise where the team already talks (slack-bolt)."""
