"""Every kind of personal data the README lists is redacted, in the forms customers write it, and look-alikes
(order numbers, versions, prices, company sizes, build numbers) are kept."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bench.pii_recall import INDEPENDENT, TYPES, load, score_independent
from copilot.ingest.redact import PLACEHOLDERS, redact
from tests.conftest import cli, write

# Recall per type on evals/pii/independent.jsonl (written apart from the detector; 506 items, 70 negatives), as
# measured when this was written; see the README. The rules were tuned with the set in view, so these are
# bars against regression more than estimates of recall on unseen text.
BARS = {
    "email": 1.0,
    "phone": 1.0,
    "card": 1.0,
    "iban": 1.0,
    "ip": 1.0,
    "name": 0.89,
    "address": 1.0,
    "postcode": 1.0,
    "national_id": 1.0,
    "date_of_birth": 1.0,
    "passport": 1.0,
    "secret": 1.0,
}


def test_recall_per_type_and_no_false_positives_on_the_independent_set() -> None:
    score = score_independent(load(INDEPENDENT))
    assert set(score.total) == set(TYPES) == set(BARS)
    recall = {k: f"{score.caught[k]}/{score.total[k]}" for k in TYPES}
    assert all(score.recall(k) >= BARS[k] for k in TYPES), recall
    assert score.negatives == 70 and score.negatives_hit == 0, score.wrongly_redacted
    assert not score.false_positives, score.wrongly_redacted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refund to gb82 west 1234 5698 7654 32 please", "refund to [IBAN] please"),
        ("refund to Gb82West12345698765432 please", "refund to [IBAN] please"),
        ("write to john [at] example [dot] com or bob(at)corp(dot)com", "write to [EMAIL] or [EMAIL]"),
        ("or ann.lee at acme dot io, thanks", "or [EMAIL], thanks"),
        ("07700900123", "[PHONE]"),
        (
            "Hello, my name is Priya Raman and the export is broken",
            "Hello, my name is [PERSON] and the export is broken",
        ),
        ("hi, my name is tomás o'brien. the app crashes", "hi, my name is [PERSON]. the app crashes"),
        ("Regards,\nSofia Marquez", "Regards,\n[PERSON]"),
        ("Please ship it to 42 Harbour Road, Bristol BS1 5TR", "Please ship it to [ADDRESS]"),
        ("new address: Flat 2, 9 Elm Grove, leeds ls6 2ab", "new address: [ADDRESS]"),  # pyap2: the whole of it
        ("postcode LS6 3WL and ZIP 62711-2091", "postcode [POSTCODE] and ZIP [POSTCODE]"),
        ("Lieferadresse: Hauptstraße 12, 10115 Berlin", "Lieferadresse: [ADDRESS], [POSTCODE] Berlin"),
        ("My NI number is AB 12 34 56 C", "My NI number is [NATIONAL_ID]"),
        ("my social security number is 536-90-4399", "my social security number is [NATIONAL_ID]"),
        ("SSN 536904399 on file", "SSN [NATIONAL_ID] on file"),
        ("DOB: 12/03/1985, please update", "DOB: [DATE_OF_BIRTH], please update"),
        ("I was born on 3 March 1985", "I was born on [DATE_OF_BIRTH]"),
        ("passport number 533380006 expired", "passport number [PASSPORT] expired"),
        ("key sk-live-4eC39HqLyjWDarjtT1zdp7dc leaked", "key [SECRET] leaked"),
        ("token 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", "token [SECRET]"),
        ("AWS_ACCESS_KEY_ID=AKIAZ3MSJV4WWZ2LE6EQ", "AWS_ACCESS_KEY_ID=[SECRET]"),
        ("my password is hunter2!", "my password is [SECRET]!"),
    ],
)
def test_each_kind_is_redacted(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order 100234556 shipped, version 2.14.1, build 10.0.22621.2861",
        "we are 1001-5000 employees, plan for 2024-2025, costs $1,299.00 or {$120000.00}",
        "rate is 524.9996 % and case No. 00.15946",  # real CFPB complaints: these were phone numbers
        "Dear Customer Support, this is FRAUD. I spoke to Chase again.",
        "I'm Canadian and the Main Street store is closed. Will it reopen? Grace period ends 2026-03-01",
        "password reset does not work, sk_live_**** and <your-key-here>",
        "I gave it 5/5, UPS 1Z999AA10123456784, commit 3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f",
        "In 3 month close we use 2 way sync for 45 seats",
        "Our ARR is 1.2M; Q3 2nd half looked better. Ticket INV-2026-000123",
    ],
)
def test_look_alikes_are_kept(text: str) -> None:
    assert redact(text) == text


def test_an_ssn_is_not_called_a_phone_number() -> None:
    counts: Counter[str] = Counter()
    redact("The payroll export shows SSN 406-10-2090 for the wrong employee", counts)
    assert counts == {"NATIONAL_ID": 1}


def test_nothing_of_the_new_kinds_reaches_the_store(tmp_path: Path) -> None:
    path = write(
        tmp_path / "tickets.csv",
        "ticket id,body\n"
        'T1,"Hi, my name is Priya Raman. Export fails, my SSN 536-90-4399 was shown, DOB 12/03/1985"\n'
        "T2,Ship to 42 Harbour Road Bristol BS1 5TR; my key sk-live-4eC39HqLyjWDarjtT1zdp7dc leaked\n",
    )
    report = cli("ingest", str(path), "--project", "pii2", "--json")
    assert report["pii_redacted"] == {
        "PERSON": 1,
        "NATIONAL_ID": 1,
        "DATE_OF_BIRTH": 1,
        "ADDRESS": 1,  # street, city and postcode as one
        "SECRET": 1,
    }
    dumped = json.dumps(cli("search", "export key leaked", "--project", "pii2", "--json")["results"])
    for secret in ("Priya", "Raman", "536-90-4399", "12/03/1985", "Harbour", "BS1 5TR", "4eC39HqLyjWDarjtT1zdp7dc"):
        assert secret not in dumped
    assert "[PERSON]" in dumped and "[SECRET]" in dumped and set(PLACEHOLDERS) >= set(report["pii_redacted"])
