"""Writes evals/pii/planted.jsonl: feedback sentences with planted PII in varied formats, and negatives.

Deterministic (fixed seed), so the committed file can be regenerated and diffed:
    python evals/pii/make_planted.py
Each line: {"text": ..., "pii": [{"type": ..., "value": ...}]}; negatives have "pii": [] and must come
through redaction unchanged.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from stdnum import iban as stdnum_iban
from stdnum import luhn

rng = random.Random(20261122)

FIRST = ["anna", "li", "marco", "priya", "tom", "sofia", "kwame", "yuki", "olga", "diego", "fatima", "john"]
LAST = ["smith", "nguyen", "rossi", "patel", "okafor", "tanaka", "ivanova", "garcia", "haddad", "obrien"]
DOMAINS = ["acme.com", "example.org", "mail.co.uk", "globex.io", "initech.net", "umbrella-corp.de", "foo.dev"]


def email() -> str:
    f, last, d = rng.choice(FIRST), rng.choice(LAST), rng.choice(DOMAINS)
    style = rng.randrange(6)
    return [
        f"{f}.{last}@{d}",
        f"{f}{rng.randrange(10, 99)}@{d}",
        f"{f}+support@{d}",
        f"{f.upper()}.{last.capitalize()}@{d.upper()}",
        f"{f}_{last}@eu.{d}",
        f"{f[0]}{last}@{d}",
    ][style]


def us_phone() -> str:
    a, b, c = rng.randrange(201, 989), rng.randrange(201, 999), rng.randrange(1000, 9999)
    return rng.choice(
        [f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"+1-{a}-{b}-{c}", f"1 ({a}) {b}-{c}"]
    )


def intl_phone() -> str:
    return rng.choice(
        [
            f"+44 20 {rng.randrange(7000, 7999)} {rng.randrange(1000, 9999)}",
            f"+44 7{rng.randrange(100, 999)} {rng.randrange(100000, 999999)}",
            f"+49 30 {rng.randrange(100000, 999999)}",
            f"+49 151 {rng.randrange(1000000, 9999999)}",
            f"+33 1 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            f"+33 6 {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}",
            f"+61 4{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(100, 999)}",
            f"+91 98{rng.randrange(100, 999)} {rng.randrange(10000, 99999)}",
        ]
    )


def card() -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("37", 15), ("6011", 16), ("4", 13)])
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    number = body + luhn.calc_check_digit(body)
    style = rng.randrange(3)
    if style == 0:
        return number
    sep = " " if style == 1 else "-"
    if length == 15:
        return sep.join([number[:4], number[4:10], number[10:]])
    return sep.join(number[i : i + 4] for i in range(0, len(number), 4))


def iban() -> str:
    country, bban_len = rng.choice([("DE", 18), ("GB", 18), ("FR", 23), ("NL", 14), ("ES", 20), ("IT", 23)])
    if country == "GB":
        bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + "".join(
            str(rng.randrange(10)) for _ in range(14)
        )
    elif country == "NL":
        bban = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4)) + "".join(
            str(rng.randrange(10)) for _ in range(10)
        )
    elif country == "IT":
        bban = rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + "".join(str(rng.randrange(10)) for _ in range(22))
    else:
        bban = "".join(str(rng.randrange(10)) for _ in range(bban_len))
    check = stdnum_iban.calc_check_digits(country + "00" + bban)
    number = country + check + bban
    if rng.random() < 0.5:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    return number


def ip() -> str:
    if rng.random() < 0.7:
        return ".".join(str(rng.randrange(1, 255)) for _ in range(4))
    groups = [format(rng.randrange(0, 65536), "x") for _ in range(8)]
    if rng.random() < 0.5:
        return "2001:db8::" + ":".join(groups[:3])
    return ":".join(groups)


TEMPLATES = [
    "Please contact me at {} about the export bug.",
    "my details: {} - call anytime",
    "The admin ({}) never got the invite email",
    "Reach our IT lead on {}, he knows the SSO setup.",
    "Billing charged {} twice this month!!",
    "refund to {} please",
    "Login from {} was blocked by your firewall rules",
    "I already sent this to support, {} is my contact.",
    "{}",
    "ticket follow-up: {}. thanks",
    "Our finance team asked me to update the account {} on file",
    "Can someone from sales ring {} before Friday?",
]

GENERATORS = {
    "EMAIL": email,
    "PHONE": lambda: us_phone() if rng.random() < 0.5 else intl_phone(),
    "CARD": card,
    "IBAN": iban,
    "IP": ip,
}
COUNTS = {"EMAIL": 60, "PHONE": 70, "CARD": 40, "IBAN": 35, "IP": 35}

NEGATIVES = [
    "Order 4471203 arrived late, version 2.14.3 broke the export.",
    "We pay $1,299.00 per month for 45 seats since 2024-03-01.",
    "Dashboards take 12.5 seconds to load with 10000 tasks.",
    "NPS went from 31 to 44 after the Q3 release (build 20260911).",
    "Meeting at 10:30 on 11/04/2026, room 3.",
    "We have 250 employees and 3 workspaces; 99.9% uptime is fine.",
    "Ticket #88213 is still open after 14 days.",
    "Upgrade from v1.2 to v1.10 failed on 3 of 12 machines.",
    "The API returns 429 after 600 requests per minute.",
    "Our ARR is 1.2M and we grew 35% year over year.",
    "Invoice INV-2026-000123 shows 17 users instead of 15.",
    "Export of 250,000 rows takes 45 minutes.",
]


def main() -> None:
    items: list[dict] = []
    for kind, n in COUNTS.items():
        for _ in range(n):
            value = GENERATORS[kind]()
            items.append({"text": rng.choice(TEMPLATES).format(value), "pii": [{"type": kind, "value": value}]})
    for _ in range(15):  # bare digits, recognisable only from the words around them
        value = f"{rng.randrange(201, 989)}{rng.randrange(201, 999)}{rng.randrange(1000, 9999)}"
        text = rng.choice(["call me on {} after 5pm", "my cell is {}", "Phone: {}", "text me at {} if urgent"])
        items.append({"text": text.format(value), "pii": [{"type": "PHONE", "value": value}]})
    for _ in range(10):  # obfuscated emails
        f, last, d = rng.choice(FIRST), rng.choice(LAST), rng.choice(DOMAINS)
        value = rng.choice([f"{f}.{last} [at] {d}", f"{f} (at) {d}", f"{f}.{last}[at]{d}"])
        items.append({"text": f"write to {value} for the contract", "pii": [{"type": "EMAIL", "value": value}]})
    for _ in range(20):  # two kinds in one text
        a, b = email(), us_phone()
        items.append(
            {
                "text": f"Email {a} or phone {b} - either works.",
                "pii": [{"type": "EMAIL", "value": a}, {"type": "PHONE", "value": b}],
            }
        )
    items += [{"text": t, "pii": []} for t in NEGATIVES]
    rng.shuffle(items)
    out = Path(__file__).with_name("planted.jsonl")
    out.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
    print(f"wrote {len(items)} items ({sum(len(i['pii']) for i in items)} planted PII) to {out}")


if __name__ == "__main__":
    main()
