"""Credentials: API keys, tokens, private keys, passwords.

Kingfisher (MongoDB's secret scanner, 488 maintained rules for about 20 kinds of issuer and generic credentials)
finds them by provider format. It is only used to *scan*: its validation and revocation, which would contact
the providers, are never called. Its compiled rules are cached on disk (~/.cache/kingfisher, or
KF_RULE_CACHE_DIR), and it is loaded on the first text that has a long token, so clean feedback never pays for
it. Two project rules cover what it does not: a password written in prose ("my password is ...", "pwd: ...")
and the dash form of Stripe-like keys ('sk-live-...').
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from copilot.ingest.pii_spans import Span

# A token long enough to be a credential, with a letter and a digit in it, or a key block or a URL password.
_HINT_RE = re.compile(r"[\w+/=.%-]{16,}|-----BEGIN|://[^/\s:@]+:[^@\s]+@")
_LETTER_RE = re.compile(r"[A-Za-z]")
_DIGIT_RE = re.compile(r"\d")
_PASSWORD_RE = re.compile(
    r"(?i:\b(?:password|passwort|mot de passe|contraseña|wachtwoord|passcode|pwd|pw)\b(?:\s+(?:is|was|=|:))?"
    r"\s*[:=]?\s*)[\"'“]?(?P<value>(?=\S*[\d!@#$%^&*+=~])[^\s\"'”,]{5,63}[^\s\"'”,.!?;:)])"
)
# Stripe-like keys in either spelling, and AWS access key ids (a fixed prefix and 16 base-32 characters), which
# Kingfisher only reports next to their secret key.
_KEY_RE = re.compile(
    r"(?<![\w-])(?:(?:sk|rk|pk)[-_](?:live|test)[-_][A-Za-z0-9]{10,}|(?:AKIA|ASIA)[A-Z2-7]{16})(?![\w-])"
)
_NOT_A_VALUE = re.compile(r"^(?:\*+|x+|<[^>]*>|\[[^\]]*\]|\.+|reset|changed|expired|wrong)$", re.I)


@cache
def _scanner() -> Any:
    import kingfisher_sdk

    return kingfisher_sdk.Scanner(kingfisher_sdk.Rules(confidence="low"), base64=False)


def _kingfisher(text: str) -> list[Span]:
    found = []
    for finding in _scanner().scan(text):
        secret = finding.secret
        if len(secret) < 8 or _NOT_A_VALUE.match(secret):
            continue
        start = text.find(secret)
        while start >= 0:
            found.append(Span(start, start + len(secret), "SECRET"))
            start = text.find(secret, start + 1)
    return found


_PASSWORD_WORDS = ("pass", "pwd", "pw", "mot de passe", "contraseña", "wachtwoord")


def secrets(text: str) -> list[Span]:
    found = []
    lower = text.lower()
    if "live" in lower or "test" in lower or "AKIA" in text or "ASIA" in text:
        found += [Span(m.start(), m.end(), "SECRET") for m in _KEY_RE.finditer(text)]
    if any(w in lower for w in _PASSWORD_WORDS):
        found += [
            Span(m.start("value"), m.end("value"), "SECRET")
            for m in _PASSWORD_RE.finditer(text)
            if not _NOT_A_VALUE.match(m.group("value"))
        ]
    if any(_LETTER_RE.search(h) and _DIGIT_RE.search(h) or h[0] in "-:" for h in _HINT_RE.findall(text)):
        found += _kingfisher(text)
    return found
