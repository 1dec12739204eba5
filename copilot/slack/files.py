"""Downloading a file someone shared with the bot: the bot token goes only to Slack's file hosts, redirects are
followed by hand so each hop is checked, and a size cap stops the download at once."""

from __future__ import annotations

from pathlib import Path

import httpx

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode

MAX_REDIRECTS = 5


def _trusted(url: httpx.URL, settings: Settings) -> bool:
    """Slack's file hosts over https, or the origin of COPILOT_SLACK_API_URL (a proxy, or the tests' fake)."""
    hosts = {h.strip().lower() for h in settings.slack_file_hosts.split(",") if h.strip()}
    if url.scheme == "https" and url.host.lower() in hosts:
        return True
    if settings.slack_api_url:
        api = httpx.URL(settings.slack_api_url)
        return (url.scheme, url.host, url.port) == (api.scheme, api.host, api.port)
    return False


def download(url: str, dest: Path, settings: Settings) -> Path:
    """Save the file at `url` (a `url_private_download`) to `dest`; refuse a first URL that is not Slack's, send
    no token where a redirect leads elsewhere, and stop past COPILOT_SLACK_MAX_FILE_MB."""
    target = httpx.URL(url)
    if not _trusted(target, settings):
        raise CopilotError(
            ErrorCode.bad_input,
            f"the shared file is not on a Slack file host ({target.host}); share it from Slack itself",
        )
    cap = int(settings.slack_max_file_mb * 1_000_000)
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    with httpx.Client(timeout=120, follow_redirects=False) as client:
        for _ in range(MAX_REDIRECTS + 1):
            headers = {"Authorization": f"Bearer {token}"} if _trusted(target, settings) else {}
            with client.stream("GET", target, headers=headers) as r:
                if r.is_redirect and "location" in r.headers:
                    target = target.join(r.headers["location"])
                    continue
                r.raise_for_status()
                _save(r, dest, cap, settings.slack_max_file_mb)
                return dest
    raise CopilotError(ErrorCode.bad_input, f"the shared file redirected more than {MAX_REDIRECTS} times")


def _save(r: httpx.Response, dest: Path, cap: int, cap_mb: float) -> None:
    too_large = CopilotError(
        ErrorCode.too_large, f"the shared file is larger than {cap_mb:g} MB (COPILOT_SLACK_MAX_FILE_MB)"
    )
    length = r.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise too_large
    seen = 0
    with dest.open("wb") as out:
        for chunk in r.iter_bytes():
            seen += len(chunk)
            if seen > cap:
                out.close()
                dest.unlink(missing_ok=True)
                raise too_large
            out.write(chunk)
