#!/usr/bin/env python3
"""Generate evals/pii/independent.jsonl: a planted PII set built independently
of any detector in this repository.

Deterministic: the same seed always gives the same file (no wall clock, no
hash-order dependence, standard library only).

    python evals/pii/make_independent.py            # writes independent.jsonl
    python evals/pii/make_independent.py --check    # regenerate and diff

Each line: {"id", "text", "pii": [{"type", "value", "start", "end"}]} with
text[start:end] == value.  Texts whose "pii" list is empty are negatives:
they contain PII look-alikes (order numbers, versions, prices, non-birth
dates, SKUs, times, plan names, company sizes...) that must NOT be redacted.

Span conventions (what a detector is expected to cover):
  email          the address, including obfuscated forms ("jo [at] x [dot] com")
  phone          the number incl. "+", brackets and separators; no "tel:" or ext.
  card           the PAN with its separators (Luhn-valid, test/fake BINs)
  iban           the IBAN with its spaces, whatever its case (mod-97 valid)
  ip             IPv4 / IPv6 address without port
  name           a person's name as written (first only, or first + last),
                 without titles such as "Dr."
  address        the street line: house number/name, street, flat/apt/unit;
                 city, state and postcode are NOT part of it (the postcode is
                 its own item, the city/state is not annotated)
  postcode       US ZIP / ZIP+4, UK postcode (any case/spacing), a few DE/FR
  national_id    US SSN, UK NI number, ES DNI/NIE, IT codice fiscale,
                 NL BSN, FR NIR, PL PESEL (all checksum/format valid)
  date_of_birth  the date only ("14/03/1987", "March 3rd, 1990")
  passport       the passport number only
  secret         the key/token/password itself (a private key: the whole
                 BEGIN..END block)
All values are fake: documentation IP ranges, Ofcom drama numbers, NANP 555,
test card BINs or random Luhn-valid numbers, random checksum-valid ids.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import string
import sys
from pathlib import Path

SEED = 20240917
N_POSITIVE = 300
N_NEGATIVE = 70
OUT = Path(__file__).with_name("independent.jsonl")

TYPES = [
    "email",
    "phone",
    "card",
    "iban",
    "ip",
    "name",
    "address",
    "postcode",
    "national_id",
    "date_of_birth",
    "passport",
    "secret",
]

# --------------------------------------------------------------------------
# value generators.  Each returns a string; rng is passed explicitly.
# --------------------------------------------------------------------------

FIRST = [
    "Sarah",
    "Priya",
    "Mateo",
    "Olumide",
    "Anne-Marie",
    "Kevin",
    "Mei",
    "Lukas",
    "Chloé",
    "Aisha",
    "Tomasz",
    "Siobhan",
    "Dmitri",
    "Fatima",
    "Hiroshi",
    "Ingrid",
    "Jamal",
    "Keiko",
    "Lars",
    "Nadia",
    "Omar",
    "Rafael",
    "Zoe",
    "Emeka",
    "Sven",
    "Giulia",
    "François",
    "Ngozi",
    "Wei",
    "Ananya",
    "Rohan",
    "Declan",
    "Catalina",
    "Yusuf",
    "Elif",
    "Björn",
    "Maëlle",
    "Joaquín",
    "Hannah",
    "Marcus",
    "Beatriz",
    "Tariq",
    "Freya",
    "Kwame",
    "Ines",
    "Pawel",
    "Leila",
    "Connor",
    "Aoife",
    "Ravi",
]
LAST = [
    "Connolly",
    "Raman",
    "García",
    "Adeyemi",
    "O'Neill",
    "O'Brien",
    "Chen",
    "Müller",
    "Dubois",
    "Khan",
    "Kowalski",
    "Nguyen",
    "Ivanova",
    "Haddad",
    "Tanaka",
    "Johansson",
    "Okafor",
    "Rossi",
    "Schmidt",
    "Patel",
    "Fernández",
    "Smith-Jones",
    "van der Berg",
    "MacLeod",
    "Yilmaz",
    "Novak",
    "da Silva",
    "Lindqvist",
    "Mensah",
    "Moreau",
    "Castillo",
    "Brennan",
    "Iyer",
    "Petrov",
    "Sato",
    "Whitfield",
    "Abara",
    "Kaur",
    "Fitzgerald",
    "Lombardi",
    "Halvorsen",
    "Zielinski",
    "Achterberg",
    "Osei",
]

DOMAINS = [
    "example.com",
    "example.org",
    "example.net",
    "mail.example.com",
    "initech.example",
    "acme-logistics.example",
    "globex.example",
    "northwind.example.co.uk",
    "umbrella-corp.example",
    "hooli.example",
    "example.de",
    "example.fr",
    "example.in",
]
FREEMAIL = [
    "gmail.com",
    "outlook.com",
    "yahoo.co.uk",
    "hotmail.fr",
    "web.de",
    "proton.me",
    "icloud.com",
    "gmx.de",
    "rediffmail.com",
]


def ascii_fold(s: str) -> str:
    table = str.maketrans("éèëçüöäßíóáñåø", "eeecuoasioanao")
    return s.translate(table)


def local_part(rng, first, last):
    f = ascii_fold(first.lower()).replace("'", "").replace(" ", "")
    l = ascii_fold(last.lower()).replace("'", "").replace(" ", "")
    return rng.choice(
        [
            f"{f}.{l}",
            f"{f[0]}{l}",
            f"{f}_{l}",
            f"{f}{rng.randint(1, 99)}",
            f"{l}.{f}",
            f"{f}.{l}+billing",
            f"{f[0]}.{l}",
            f"{f}",
        ]
    )


def gen_email_plain(rng, ctx):
    first, last = ctx.get("person") or (rng.choice(FIRST), rng.choice(LAST))
    lp = local_part(rng, first, last)
    dom = rng.choice(DOMAINS + FREEMAIL)
    v = f"{lp}@{dom}"
    r = rng.random()
    if r < 0.12:
        v = v.upper()
    elif r < 0.22:
        v = lp.capitalize() + "@" + dom.capitalize()
    return v


def gen_email_obf(rng, ctx):
    first, last = ctx.get("person") or (rng.choice(FIRST), rng.choice(LAST))
    lp = local_part(rng, first, last).replace("+billing", "")
    dom = rng.choice(DOMAINS + FREEMAIL)
    parts = dom.split(".")
    style = rng.randrange(7)
    if style == 0:
        return f"{lp} [at] " + " [dot] ".join(parts)
    if style == 1:
        return f"{lp}(at)" + "(dot)".join(parts)
    if style == 2:
        return f"{lp} at " + " dot ".join(parts)
    if style == 3:
        return f"{lp} AT " + " DOT ".join(parts)
    if style == 4:
        return f"{lp}[at]" + ".".join(parts)
    if style == 5:
        return f"{lp} @ " + ".".join(parts)
    return f"{lp} {{at}} " + " {dot} ".join(parts)


def gen_email(rng, ctx):
    return gen_email_obf(rng, ctx) if rng.random() < 0.35 else gen_email_plain(rng, ctx)


def d(rng, n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def gen_phone_us(rng, ctx):
    area = rng.choice(["415", "212", "312", "617", "206", "512", "303", "404", "646", "718"])
    line = f"01{d(rng, 2)}"  # 555-0100..0199 are reserved for fiction
    f = rng.randrange(7)
    return [
        f"({area}) 555-{line}",
        f"{area}-555-{line}",
        f"+1 {area} 555 {line}",
        f"{area}.555.{line}",
        f"+1{area}555{line}",
        f"1-{area}-555-{line}",
        f"+1 ({area}) 555-{line}",
    ][f]


def gen_phone_uk(rng, ctx):
    if rng.random() < 0.65:
        if rng.random() < 0.5:
            pre, sub = "7700", f"900{d(rng, 3)}"  # Ofcom drama mobile range 07700 900000-900999
        else:  # ordinary mobile ranges (libphonenumber-valid); random, fake
            pre, sub = rng.choice(["7911", "7400", "7802", "7542", "7984"]), rng.choice("123456789") + d(rng, 5)
        f = rng.randrange(6)
        return [
            f"0{pre} {sub}",
            f"0{pre}{sub}",
            f"+44 {pre} {sub}",
            f"+44{pre}{sub}",
            f"0{pre} {sub[:3]} {sub[3:]}",
            f"+44 (0){pre} {sub}",
        ][f]
    sub = f"0{d(rng, 3)}"  # 020 7946 0000-0999 drama range
    f = rng.randrange(4)
    return [f"020 7946 {sub}", f"+44 20 7946 {sub}", f"+44 (0)20 7946 {sub}", f"02079460{sub[1:]}"][f]


def gen_phone_de(rng, ctx):
    f = rng.randrange(6)
    mob = rng.choice(["151", "160", "170", "176", "152"])
    nz = lambda n: rng.choice("23456789") + d(rng, n - 1)  # subscriber numbers don't start with 0/1
    return [
        f"+49 {mob} {nz(8)}",
        f"0{mob} {nz(4)} {d(rng, 4)}",
        f"+49 30 {nz(7)}",
        f"030 {nz(8)}",
        f"+49 (0)89 {nz(3)} {d(rng, 4)}",
        f"0{mob}-{nz(7)}",
    ][f]


def gen_phone_fr(rng, ctx):
    p = [rng.choice(["6", "7", "1", "4"])] + [d(rng, 2) for _ in range(4)]
    f = rng.randrange(5)
    return [
        f"+33 {p[0]} {' '.join(p[1:])}",
        f"0{p[0]} {' '.join(p[1:])}",
        f"0{p[0]}.{'.'.join(p[1:])}",
        f"+33{p[0]}{''.join(p[1:])}",
        f"0{p[0]}{''.join(p[1:])}",
    ][f]


def gen_phone_in(rng, ctx):
    first = rng.choice("6789") + d(rng, 4)
    rest = d(rng, 5)
    f = rng.randrange(5)
    return [f"+91 {first} {rest}", f"+91-{first}{rest}", f"0{first} {rest}", f"{first}{rest}", f"+91 {first}-{rest}"][f]


PHONE_GENS = [gen_phone_us, gen_phone_uk, gen_phone_de, gen_phone_fr, gen_phone_in]


def gen_phone(rng, ctx):
    return rng.choice(PHONE_GENS)(rng, ctx)


def luhn_complete(prefix: str, length: int, rng) -> str:
    body = prefix + d(rng, length - len(prefix) - 1)
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return body + str((10 - total % 10) % 10)


TEST_CARDS = [
    "4111111111111111",
    "4242424242424242",
    "4012888888881881",
    "5555555555554444",
    "5105105105105100",
    "378282246310005",
    "371449635398431",
    "6011111111111117",
    "3530111333300000",
    "2223003122003222",
]


def gen_card(rng, ctx):
    if rng.random() < 0.3:
        num = rng.choice(TEST_CARDS)
    else:
        kind = rng.choice(["visa", "visa", "mc", "mc2", "amex", "disc"])
        num = {
            "visa": lambda: luhn_complete("4" + d(rng, 5), 16, rng),
            "mc": lambda: luhn_complete(rng.choice(["51", "52", "53", "54", "55"]), 16, rng),
            "mc2": lambda: luhn_complete("22" + str(rng.randint(21, 71)), 16, rng),
            "amex": lambda: luhn_complete(rng.choice(["34", "37"]), 15, rng),
            "disc": lambda: luhn_complete("6011", 16, rng),
        }[kind]()
    sep = rng.choice([" ", " ", "-", "", ""])
    if len(num) == 15:
        return sep.join([num[:4], num[4:10], num[10:]])
    return sep.join(num[i : i + 4] for i in range(0, 16, 4))


# ---- IBAN -----------------------------------------------------------------


def iban_check(cc: str, bban: str) -> str:
    s = bban + cc + "00"
    num = "".join(str(int(c, 36)) for c in s.upper())
    return f"{98 - int(num) % 97:02d}"


def es_dc(bank, branch, acc):
    w = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6]

    def one(digits):
        s = sum(int(x) * y for x, y in zip(digits, w))
        r = 11 - s % 11
        return {11: 0, 10: 1}.get(r, r)

    return f"{one('00' + bank + branch)}{one(acc)}"


def fr_rib_key(bank, branch, acc):
    return f"{97 - (89 * int(bank) + 15 * int(branch) + 3 * int(acc)) % 97:02d}"


IT_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]


def it_cin(abi, cab, acc):
    s = abi + cab + acc
    total = 0
    for i, ch in enumerate(s):
        v = int(ch) if ch.isdigit() else ord(ch.upper()) - 65
        total += IT_ODD[v] if i % 2 == 0 else v
    return chr(65 + total % 26)


BANK4 = ["NWBK", "BARC", "MIDL", "LOYD", "HBUK", "MONZ", "REVO", "AIBK", "BOFI"]


IBAN_COUNTRIES = ["DE", "GB", "FR", "NL", "ES", "IT", "BE", "IE", "AT", "CH", "PL"]
_IBAN_TURN = [0]  # round-robin over countries so each appears; reset by build()


def gen_iban_raw(rng):
    cc = IBAN_COUNTRIES[_IBAN_TURN[0] % len(IBAN_COUNTRIES)]
    _IBAN_TURN[0] += 1
    if cc == "DE":
        bban = d(rng, 8) + d(rng, 10)
    elif cc == "GB":
        bban = rng.choice(BANK4[:7]) + d(rng, 6) + d(rng, 8)
    elif cc == "IE":
        bban = rng.choice(["AIBK", "BOFI", "IPBS"]) + d(rng, 6) + d(rng, 8)
    elif cc == "FR":
        bank, branch, acc = d(rng, 5), d(rng, 5), d(rng, 11)
        bban = bank + branch + acc + fr_rib_key(bank, branch, acc)
    elif cc == "NL":
        bban = rng.choice(["ABNA", "INGB", "RABO", "TRIO", "SNSB"]) + d(rng, 10)
    elif cc == "ES":
        bank, branch, acc = d(rng, 4), d(rng, 4), d(rng, 10)
        bban = bank + branch + es_dc(bank, branch, acc) + acc
    elif cc == "IT":
        abi, cab, acc = d(rng, 5), d(rng, 5), d(rng, 12)
        bban = it_cin(abi, cab, acc) + abi + cab + acc
    elif cc == "BE":
        first = d(rng, 10)
        chk = int(first) % 97 or 97
        bban = first + f"{chk:02d}"
    elif cc == "AT":
        bban = d(rng, 16)
    elif cc == "CH":
        bban = d(rng, 17)
    else:  # PL: 8-digit bank/branch with its own check digit + 16 digit account
        bank = d(rng, 7)
        w = [3, 9, 7, 1, 3, 9, 7]
        chk = (10 - sum(int(a) * b for a, b in zip(bank, w)) % 10) % 10
        bban = bank + str(chk) + d(rng, 16)
    return cc + iban_check(cc, bban) + bban


def gen_iban(rng, ctx):
    raw = gen_iban_raw(rng)
    spaced = rng.random() < 0.55
    v = " ".join(raw[i : i + 4] for i in range(0, len(raw), 4)) if spaced else raw
    case = rng.choice(["upper", "upper", "lower", "lower", "mixed", "title"])
    if case == "lower":
        v = v.lower()
    elif case == "mixed":
        v = "".join(c.lower() if c.isalpha() and rng.random() < 0.5 else c for c in v)
    elif case == "title":
        v = v[0] + v[1].lower() + v[2:]
    return v


# ---- IP -------------------------------------------------------------------


def gen_ip(rng, ctx):
    r = rng.random()
    if r < 0.6:
        net = rng.choice(["192.0.2", "198.51.100", "203.0.113"])
        return f"{net}.{rng.randint(1, 254)}"
    if r < 0.8:
        return rng.choice(
            [
                f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            ]
        )
    groups = [f"{rng.randint(0, 65535):x}" for _ in range(rng.choice([2, 3, 4]))]
    return rng.choice(
        [
            f"2001:db8::{':'.join(groups)}",
            f"2001:0db8:85a3:0000:0000:8a2e:0370:{rng.randint(0, 65535):04x}",
            f"2001:db8:{groups[0]}::{groups[1]}",
        ]
    )


# ---- names ----------------------------------------------------------------


def new_person(rng, ctx):
    ctx["person"] = (rng.choice(FIRST), rng.choice(LAST))
    return ctx["person"]


def gen_name(rng, ctx):
    first, last = ctx.get("person") or new_person(rng, ctx)
    r = rng.random()
    if r < 0.1:
        v = f"{first} {rng.choice(string.ascii_uppercase)}. {last}"
    elif r < 0.2:
        v = f"{first} {last}".lower()
    elif r < 0.25:
        v = f"{first} {last}".upper()
    else:
        v = f"{first} {last}"
    return v


def gen_first(rng, ctx):
    first, _ = ctx.get("person") or new_person(rng, ctx)
    return first.lower() if rng.random() < 0.12 else first


def gen_name2(rng, ctx):  # a second, different person in the same text
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def gen_first2(rng, ctx):
    return rng.choice(FIRST)


# ---- addresses / postcodes ---------------------------------------------------

US_STREETS = [
    "Elm",
    "Maple",
    "Oak",
    "Cedar",
    "Pine",
    "Washington",
    "Lakeview",
    "Hillcrest",
    "Sunset",
    "Willow",
    "Main",
    "Jefferson",
    "Chestnut",
    "Magnolia",
    "Highland",
    "Riverside",
    "Spruce",
    "Franklin",
    "Birch",
    "Juniper",
]
US_TYPES = [
    "Street",
    "St",
    "St.",
    "Avenue",
    "Ave",
    "Ave.",
    "Blvd",
    "Road",
    "Rd",
    "Lane",
    "Ln",
    "Drive",
    "Dr",
    "Court",
    "Way",
    "Pkwy",
    "Place",
    "Terrace",
]
US_CITIES = [
    ("Springfield", "IL", "627"),
    ("Austin", "TX", "787"),
    ("Portland", "OR", "972"),
    ("Columbus", "OH", "432"),
    ("Denver", "CO", "802"),
    ("Boston", "MA", "021"),
    ("Seattle", "WA", "981"),
    ("Atlanta", "GA", "303"),
    ("Brooklyn", "NY", "112"),
    ("San Jose", "CA", "951"),
    ("Madison", "WI", "537"),
    ("Tucson", "AZ", "857"),
]
UK_STREETS = [
    "Chapel",
    "Victoria",
    "Station",
    "Church",
    "Park",
    "Mill",
    "Ashdown",
    "Kingsway",
    "Queens",
    "Albert",
    "Beech",
    "Orchard",
    "Manor",
    "Windsor",
    "Baker",
    "Hawthorn",
]
UK_TYPES = [
    "Road",
    "Street",
    "Lane",
    "Close",
    "Avenue",
    "Crescent",
    "Gardens",
    "Way",
    "Drive",
    "Terrace",
    "Rd",
    "St",
    "Mews",
    "Grove",
]
UK_CITIES = [
    ("London", ["SW1A", "E14", "N1", "SE15", "W6", "NW3", "EC2A"]),
    ("Leeds", ["LS1", "LS6", "LS11"]),
    ("Manchester", ["M1", "M20", "M14"]),
    ("Bristol", ["BS1", "BS8", "BS3"]),
    ("Glasgow", ["G2", "G12", "G41"]),
    ("Cardiff", ["CF10", "CF24"]),
    ("Leicester", ["LE1", "LE2"]),
    ("Edinburgh", ["EH1", "EH9"]),
    ("Birmingham", ["B15", "B33"]),
    ("Belfast", ["BT7", "BT9"]),
]
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def gen_us_street(rng, ctx):
    num = str(rng.choice([rng.randint(1, 99), rng.randint(100, 999), rng.randint(1000, 9999)]))
    s = f"{num} {rng.choice(['', '', '', 'N ', 'S ', 'W ', 'E '])}{rng.choice(US_STREETS)} {rng.choice(US_TYPES)}"
    r = rng.random()
    if r < 0.2:
        s += f", Apt {rng.randint(1, 40)}{rng.choice(['', 'A', 'B', 'C'])}"
    elif r < 0.3:
        s += f" Suite {rng.randint(100, 950)}"
    elif r < 0.38:
        s += f" #{rng.randint(2, 30)}"
    if rng.random() < 0.1:
        s = s.lower()
    return s


def gen_uk_street(rng, ctx):
    num = str(rng.randint(1, 180)) + rng.choice(["", "", "", "", "A", "B"])
    s = f"{num} {rng.choice(UK_STREETS)} {rng.choice(UK_TYPES)}"
    r = rng.random()
    if r < 0.2:
        s = f"Flat {rng.randint(1, 24)}, " + s
    elif r < 0.28:
        s = f"{rng.choice(['Rose Cottage', 'The Old Rectory', 'Ivy House', 'Flat 2B'])}, {rng.choice(UK_STREETS)} {rng.choice(UK_TYPES)}"
    if rng.random() < 0.1:
        s = s.lower()
    return s


def gen_de_street(rng, ctx):
    return rng.choice(
        [
            f"{rng.choice(['Haupt', 'Linden', 'Schiller', 'Garten', 'Berg'])}straße {rng.randint(1, 120)}",
            f"Karl-Marx-Allee {rng.randint(1, 200)}",
            f"Am {rng.choice(['Markt', 'Weiher', 'Hang'])} {rng.randint(1, 40)}a",
        ]
    )


def gen_fr_street(rng, ctx):
    return rng.choice(
        [
            f"{rng.randint(1, 90)} rue {rng.choice(['de la République', 'Victor Hugo', 'des Lilas', 'du Moulin'])}",
            f"{rng.randint(1, 60)}, avenue {rng.choice(['Jean Jaurès', 'de la Gare'])}",
            f"{rng.randint(1, 30)} bis boulevard {rng.choice(['Voltaire', 'Haussmann'])}",
        ]
    )


def gen_us_city(rng, ctx):
    c = rng.choice(US_CITIES)
    ctx["us_zip3"] = c[2]
    return f"{c[0]}, {c[1]}"


def gen_zip(rng, ctx):
    z3 = ctx.get("us_zip3") or rng.choice(US_CITIES)[2]
    z = z3 + d(rng, 2)
    if rng.random() < 0.25:
        z += "-" + d(rng, 4)
    return z


def gen_uk_city(rng, ctx):
    c = rng.choice(UK_CITIES)
    ctx["uk_out"] = c[1]
    return c[0]


def gen_ukpc(rng, ctx):
    out = rng.choice(ctx.get("uk_out") or rng.choice(UK_CITIES)[1])
    inward = str(rng.randint(0, 9)) + rng.choice(INWARD_LETTERS) + rng.choice(INWARD_LETTERS)
    f = rng.random()
    if f < 0.65:
        return f"{out} {inward}"
    if f < 0.8:
        return f"{out}{inward}"
    return f"{out} {inward}".lower()


# ---- national ids -------------------------------------------------------------

NINO_FIRST = [c for c in string.ascii_uppercase if c not in "DFIQUV"]
NINO_SECOND = [c for c in string.ascii_uppercase if c not in "DFIOQUV"]
NINO_BAD = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def gen_ssn(rng, ctx):
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    grp, ser = rng.randint(1, 99), rng.randint(1, 9999)
    sep = rng.choice(["-", "-", "-", " ", ""])
    return f"{area:03d}{sep}{grp:02d}{sep}{ser:04d}"


def gen_nino(rng, ctx):
    while True:
        p = rng.choice(NINO_FIRST) + rng.choice(NINO_SECOND)
        if p not in NINO_BAD:
            break
    digs = d(rng, 6)
    suf = rng.choice("ABCD")
    f = rng.random()
    if f < 0.45:
        v = f"{p} {digs[:2]} {digs[2:4]} {digs[4:]} {suf}"
    elif f < 0.8:
        v = f"{p}{digs}{suf}"
    else:
        v = f"{p} {digs} {suf}"
    return v.lower() if rng.random() < 0.2 else v


def gen_dni(rng, ctx):
    if rng.random() < 0.7:
        n = rng.randint(10000000, 99999999)
        return f"{n}{'TRWAGMYFPDXBNJZSQVHLCKE'[n % 23]}"
    lead = rng.choice("XYZ")
    n = rng.randint(1000000, 9999999)
    full = int(str("XYZ".index(lead)) + f"{n:07d}")
    return f"{lead}{n:07d}{'TRWAGMYFPDXBNJZSQVHLCKE'[full % 23]}"


CF_EVEN = {**{str(i): i for i in range(10)}, **{c: i for i, c in enumerate(string.ascii_uppercase)}}
CF_ODD_D = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21]
CF_ODD = {**{str(i): CF_ODD_D[i] for i in range(10)}, **{c: IT_ODD[i] for i, c in enumerate(string.ascii_uppercase)}}


def gen_codice_fiscale(rng, ctx):
    cons = "BCDFGHLMNPRSTVZ"
    body = "".join(rng.choice(cons) for _ in range(6))
    body += f"{rng.randint(50, 99):02d}" + rng.choice("ABCDEHLMPRST")
    day = rng.randint(1, 28) + rng.choice([0, 40])
    body += f"{day:02d}" + rng.choice("ABCDEFGHLM") + f"{rng.randint(1, 999):03d}"
    total = sum(CF_ODD[c] if i % 2 == 0 else CF_EVEN[c] for i, c in enumerate(body))
    return body + chr(65 + total % 26)


def gen_bsn(rng, ctx):
    while True:
        digs = [rng.randint(0, 9) for _ in range(8)]
        if digs[0] == 0:
            continue
        s = sum(v * w for v, w in zip(digs, range(9, 1, -1)))
        last = s % 11
        if last <= 9:
            return "".join(map(str, digs)) + str(last)


def gen_nir(rng, ctx):
    sex = rng.choice("12")
    yy = f"{rng.randint(50, 99):02d}"
    mm = f"{rng.randint(1, 12):02d}"
    dept = f"{rng.randint(1, 95):02d}"
    commune = f"{rng.randint(1, 990):03d}"
    order = f"{rng.randint(1, 999):03d}"
    first13 = sex + yy + mm + dept + commune + order
    key = f"{97 - int(first13) % 97:02d}"
    if rng.random() < 0.5:
        return f"{sex} {yy} {mm} {dept} {commune} {order} {key}"
    return first13 + key


def gen_pesel(rng, ctx):
    yy, mm, dd = rng.randint(50, 99), rng.randint(1, 12), rng.randint(1, 28)
    body = f"{yy:02d}{mm:02d}{dd:02d}{d(rng, 4)}"
    w = [1, 3, 7, 9, 1, 3, 7, 9, 1, 3]
    chk = (10 - sum(int(a) * b for a, b in zip(body, w)) % 10) % 10
    return body + str(chk)


EU_ID_LABELS = {
    gen_dni: ["DNI", "NIE", "DNI/NIE"],
    gen_codice_fiscale: ["codice fiscale", "CF"],
    gen_bsn: ["BSN", "burgerservicenummer"],
    gen_nir: ["numéro de sécu", "NIR"],
    gen_pesel: ["PESEL"],
}


def gen_euid_labelled(rng, ctx):
    g = rng.choice(list(EU_ID_LABELS))
    ctx["euid_label"] = rng.choice(EU_ID_LABELS[g])
    return g(rng, ctx)


# ---- dates of birth ------------------------------------------------------------

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def ordinal(n):
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def gen_dob(rng, ctx):
    y, m, dd = rng.randint(1941, 2006), rng.randint(1, 12), rng.randint(1, 28)
    f = rng.randrange(11)
    return [
        f"{dd:02d}/{m:02d}/{y}",
        f"{m:02d}/{dd:02d}/{y}",
        f"{y}-{m:02d}-{dd:02d}",
        f"{dd:02d}.{m:02d}.{y}",
        f"{MONTHS[m - 1]} {dd}, {y}",
        f"{dd} {MONTHS[m - 1]} {y}",
        f"{ordinal(dd)} of {MONTHS[m - 1]} {y}",
        f"{MONTHS[m - 1][:3]} {dd} {y}",
        f"{m}/{dd}/{y % 100:02d}",
        f"{MONTHS[m - 1]} {ordinal(dd)}, {y}",
        f"{dd}-{MONTHS[m - 1][:3]}-{y}",
    ][f]


# ---- passports ----------------------------------------------------------------


def gen_passport(rng, ctx):
    f = rng.randrange(7)
    if f == 0:
        return d(rng, 9)  # US / UK book
    if f == 1:
        return rng.choice("ACEFGHJKLMNPRSTUVWXYZ") + d(rng, 8)  # US next-gen
    if f == 2:
        return rng.choice("CFGHJK") + "".join(rng.choice("CFGHJKLMNPRTVWXYZ0123456789") for _ in range(8))  # DE
    if f == 3:
        return d(rng, 2) + "".join(rng.choice(string.ascii_uppercase) for _ in range(2)) + d(rng, 5)  # FR
    if f == 4:
        return rng.choice("JKLMNPRSTUVWZ") + d(rng, 7)  # IN
    if f == 5:
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(2)) + d(rng, 6)  # CA
    return "".join(rng.choice(string.ascii_uppercase) for _ in range(2)) + d(rng, 7)  # ES / IT style


# ---- secrets --------------------------------------------------------------------

ALNUM = string.ascii_letters + string.digits
B64URL = ALNUM + "-_"


def rs(rng, n, alphabet=ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def gen_jwt(rng, ctx):
    hdr = b64u(json.dumps({"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"}, separators=(",", ":")).encode())
    pl = b64u(
        json.dumps(
            {"sub": d(rng, 8), "email": f"user{d(rng, 3)}@example.com", "iat": 1700000000 + rng.randint(0, 9999999)},
            separators=(",", ":"),
        ).encode()
    )
    return f"{hdr}.{pl}.{rs(rng, 43, B64URL)}"


def gen_private_key(rng, ctx):
    kind = rng.choice(["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"])
    lines = [rs(rng, 64, ALNUM + "+/") for _ in range(rng.randint(1, 3))]
    return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----"


SECRET_GENS = {
    "stripe": lambda rng, ctx: f"sk_live_{rs(rng, rng.choice([24, 34, 99]))}",
    "stripe_dash": lambda rng, ctx: f"sk-live-{rs(rng, 32)}",
    "stripe_rk": lambda rng, ctx: f"rk_live_{rs(rng, 24)}",
    "openai_proj": lambda rng, ctx: f"sk-proj-{rs(rng, 74, B64URL)}T3BlbkFJ{rs(rng, 74, B64URL)}",
    "openai": lambda rng, ctx: f"sk-{rs(rng, 20)}T3BlbkFJ{rs(rng, 20)}",
    "anthropic": lambda rng, ctx: f"sk-ant-api03-{rs(rng, 93, B64URL)}AA",
    "ghp": lambda rng, ctx: f"ghp_{rs(rng, 36)}",
    "gho": lambda rng, ctx: f"gho_{rs(rng, 36)}",
    "github_pat": lambda rng, ctx: f"github_pat_11{rs(rng, 20, string.ascii_uppercase + string.digits)}_{rs(rng, 59)}",
    "aws_akid": lambda rng, ctx: "AKIA" + rs(rng, 16, string.ascii_uppercase + "234567"),
    "aws_secret": lambda rng, ctx: rs(rng, 40, ALNUM + "+/"),
    "slack_bot": lambda rng, ctx: f"xoxb-{d(rng, 11)}-{d(rng, 13)}-{rs(rng, 24)}",
    "slack_user": lambda rng, ctx: f"xoxp-{d(rng, 11)}-{d(rng, 11)}-{d(rng, 13)}-{rs(rng, 32, string.hexdigits[:16])}",
    "slack_hook": lambda rng, ctx: (
        f"https://hooks.slack.com/services/T{rs(rng, 8, string.ascii_uppercase + string.digits)}/B{rs(rng, 10, string.ascii_uppercase + string.digits)}/{rs(rng, 24)}"
    ),
    "jwt": gen_jwt,
    "pkey": gen_private_key,
    "google": lambda rng, ctx: f"AIza{rs(rng, 35, B64URL)}",
    "sendgrid": lambda rng, ctx: f"SG.{rs(rng, 22, B64URL)}.{rs(rng, 43, B64URL)}",
    "twilio": lambda rng, ctx: f"SK{rs(rng, 32, '0123456789abcdef')}",
    "password": lambda rng, ctx: rng.choice(
        [
            "Summer2024!",
            "Tr0ub4dor&3",
            "hunter2hunter2",
            "P@ssw0rd!23",
            "correcthorse99",
            "Qwerty!8812",
            "Zx9#mLp2$vRt",
            "letmein_2023",
        ]
    ),
    "db_password": lambda rng, ctx: rs(rng, 14, ALNUM + "!#%"),
}


def secret_of(kind):
    return lambda rng, ctx: SECRET_GENS[kind](rng, ctx)


# --------------------------------------------------------------------------
# non-PII fillers (look-alikes live here too)
# --------------------------------------------------------------------------

PRODUCTS = [
    "the dashboard",
    "the mobile app",
    "the Android app",
    "the iOS app",
    "Insights",
    "the roadmap view",
    "the Jira integration",
    "the Slack bot",
    "exports",
    "the API",
    "SSO",
    "the billing page",
    "the CSV importer",
    "search",
    "the Zendesk sync",
    "notifications",
    "the web app",
]
PLANS = ["Pro", "Team", "Business", "Enterprise", "Starter", "Growth", "Pro Plus", "Scale"]


def f_order(rng, ctx):
    return rng.choice(
        [
            f"#{rng.randint(100000, 9999999)}",
            f"ORD-{rng.randint(2021, 2025)}-{rng.randint(10000, 99999)}",
            f"{rng.choice('ABCDEFGH')}{rng.randint(10000, 99999)}",
            f"INV-{rng.randint(1000, 99999)}",
            f"order {rng.randint(10000000, 99999999)}",
        ]
    )


def f_version(rng, ctx):
    return rng.choice(
        [
            f"{rng.randint(1, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}",
            f"v{rng.randint(1, 5)}.{rng.randint(0, 20)}",
            f"{rng.randint(1, 4)}.{rng.randint(0, 40)}.{rng.randint(0, 9)}-beta.{rng.randint(1, 9)}",
            f"build {rng.randint(1000, 9999)}",
            f"10.0.{rng.randint(19041, 22631)}.{rng.randint(100, 4000)}",
        ]
    )


def f_price(rng, ctx):
    return rng.choice(
        [
            f"${rng.randint(9, 2999)}.{rng.choice(['00', '99', '50'])}",
            f"€{rng.randint(5, 400)}/month",
            f"£{rng.randint(5, 99)} per seat",
            f"${rng.randint(1, 9)},{rng.randint(100, 999)}",
            f"{rng.randint(10, 500)} EUR",
            f"₹{rng.randint(499, 49999)}",
        ]
    )


def f_date(rng, ctx):  # dates that are NOT birth dates
    y, m, dd = rng.randint(2021, 2025), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice(
        [
            f"{y}-{m:02d}-{dd:02d}",
            f"{dd}/{m}/{y}",
            f"{MONTHS[m - 1]} {dd}",
            f"{MONTHS[m - 1][:3]} {dd}, {y}",
            f"{m}/{dd}",
            f"last {rng.choice(['Tuesday', 'Friday', 'week'])}",
            f"{dd} {MONTHS[m - 1]}",
        ]
    )


def f_time(rng, ctx):
    return rng.choice(
        [
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}",
            f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d}pm",
            f"{rng.randint(1, 12)}am",
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} UTC",
            f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d} AM CET",
        ]
    )


def f_sku(rng, ctx):
    return rng.choice(
        [
            f"SKU-{rng.randint(1000, 9999)}-{rng.choice(['BLK', 'WHT', 'RED', 'XL'])}",
            f"{rng.choice(string.ascii_uppercase)}{rng.choice(string.ascii_uppercase)}-{rng.randint(100, 999)}-{rng.randint(10, 99)}",
            f"PM-{rng.randint(10000, 99999)}",
        ]
    )


def f_size(rng, ctx):
    return rng.choice(["1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000", "5001-10,000", "10k+"])


def f_num(rng, ctx):
    return str(rng.randint(2, 400))


def f_ticket(rng, ctx):
    return rng.choice(
        [
            f"INC{rng.randint(1000000, 9999999)}",
            f"CS-{rng.randint(10000, 99999)}",
            f"#{rng.randint(1000, 99999)}",
            f"SUP-{rng.randint(100, 9999)}",
        ]
    )


def f_percent(rng, ctx):
    return f"{rng.randint(1, 99)}%"


FILLERS = {
    "product": lambda rng, ctx: rng.choice(PRODUCTS),
    "plan": lambda rng, ctx: rng.choice(PLANS),
    "order": f_order,
    "version": f_version,
    "price": f_price,
    "date": f_date,
    "time": f_time,
    "sku": f_sku,
    "size": f_size,
    "num": f_num,
    "ticket": f_ticket,
    "pct": f_percent,
    "uscity": gen_us_city,
    "ukcity": gen_uk_city,
    "euid_label": lambda rng, ctx: ctx.get("euid_label", "ID"),
    "team": lambda rng, ctx: rng.choice(["accounts", "finance", "IT", "procurement", "ops", "the data team", "HR"]),
}

PII = {
    "email": ("email", gen_email),
    "email_plain": ("email", gen_email_plain),
    "email_obf": ("email", gen_email_obf),
    "phone": ("phone", gen_phone),
    "phone_us": ("phone", gen_phone_us),
    "phone_uk": ("phone", gen_phone_uk),
    "phone_de": ("phone", gen_phone_de),
    "phone_fr": ("phone", gen_phone_fr),
    "phone_in": ("phone", gen_phone_in),
    "card": ("card", gen_card),
    "iban": ("iban", gen_iban),
    "ip": ("ip", gen_ip),
    "name": ("name", gen_name),
    "first": ("name", gen_first),
    "name2": ("name", gen_name2),
    "first2": ("name", gen_first2),
    "us_street": ("address", gen_us_street),
    "uk_street": ("address", gen_uk_street),
    "de_street": ("address", gen_de_street),
    "fr_street": ("address", gen_fr_street),
    "zip": ("postcode", gen_zip),
    "ukpc": ("postcode", gen_ukpc),
    "berlin_pc": ("postcode", lambda rng, ctx: str(rng.randint(10115, 14199))),
    "paris_pc": ("postcode", lambda rng, ctx: f"750{rng.randint(1, 20):02d}"),
    "muc_pc": ("postcode", lambda rng, ctx: str(rng.randint(80331, 81929))),
    "ssn": ("national_id", gen_ssn),
    "nino": ("national_id", gen_nino),
    "euid": ("national_id", gen_euid_labelled),
    "dni": ("national_id", gen_dni),
    "cf": ("national_id", gen_codice_fiscale),
    "bsn": ("national_id", gen_bsn),
    "nir": ("national_id", gen_nir),
    "pesel": ("national_id", gen_pesel),
    "dob": ("date_of_birth", gen_dob),
    "passport": ("passport", gen_passport),
    "secret": ("secret", lambda rng, ctx: SECRET_GENS[rng.choice(sorted(SECRET_GENS))](rng, ctx)),
    **{f"s_{k}": ("secret", secret_of(k)) for k in SECRET_GENS},
}

# --------------------------------------------------------------------------
# templates.  {key} = placeholder.  Positive templates mix PII with fillers.
# --------------------------------------------------------------------------

POS_TEMPLATES = [
    # --- names in free text ---
    "Hi, my name is {name} and I've been using {product} for about {num} days. The export keeps timing out after {version}.",
    "hello this is {first} from {team}, we were double charged on {order}. can someone call me back?",
    "This is {first} from {team} - the invoice {order} shows {price} but our {plan} plan should be cheaper.",
    "Thanks for the quick fix!\n\nBest regards,\n{name}\nHead of Operations",
    "Love the new roadmap view, my whole team is hooked 😍\n-- {first}",
    "i'm {name}, PM at a {size} company. the filters in {product} are confusing, rated 3/5",
    "Please pass this to your manager. I spoke to {first2} on the phone on {date} and nothing has happened since.\n\nKind regards\n{name}",
    "My colleague {name2} asked me to report that {product} crashes on {version}.",
    "Cheers,\n{first}\n\nSent from my iPhone",
    "Name: {name}\nCompany size: {size}\nWhat could we improve? Onboarding was slow, took {num} days.",
    "Your agent {first2} was super helpful, please give them a raise!! 5/5",
    "Regards,\n\n{name} | Finance Manager | {phone}",
    "Hey team, {name} here. Can you add me to the beta for {product}?",
    "I am writing on behalf of my father, {name2}, who can no longer log in to {product}.",
    "my name's {first} and honestly the app is so slow since {version} ugh",
    "Ask for {name} at reception when the technician arrives at {time}.",
    "Survey: Who should we contact about this? -> {name}, {email}",
    "Hi {first2}, following up on {ticket} - still broken. Thanks, {first}",
    "— {name}, Customer since {date}",
    "Dear Support, I, {name}, request deletion of all my data under GDPR Article 17.",
    # --- emails ---
    "Please send the receipt to {email_plain}, the old address bounces.",
    "contact me at {email_obf} (not my work email pls)",
    "You can reach me on {email_obf} or on my mobile {phone}.",
    "Pls update billing contact to {email} for {order}",
    "Reply-to: {email_plain}\nSubject: cannot export reports\n\nHi, the export button does nothing on {version}.",
    "email me: {email_obf}  thx",
    "Our finance lead {name} ({email}) needs a copy of invoice {order}.",
    "Survey answer: 'would you like a follow up?' yes -> {email_obf}",
    "The invite went to {email_plain} instead of my new address {email_plain}.",
    # --- phones ---
    "call me on {phone_uk} after {time}, I'm in meetings all morning",
    "My number is {phone_us}, text is fine.",
    "Rückruf bitte unter {phone_de}, danke!",
    "Merci de me rappeler au {phone_fr} avant {time}.",
    "whatsapp me on {phone_in} regarding the refund of {price}",
    "Support hotline kept me on hold for {num} minutes. My callback number: {phone}",
    "Phone: {phone}  /  Alt: {phone}",
    "reach me at {phone_uk} or {email} whichever",
    "{name} - mobile {phone}",
    "ring {phone_uk} pls, {first} here",
    # --- cards ---
    "I was charged twice on my card {card} for the {plan} plan ({price}).",
    "card ending... actually the full number is {card}, exp 09/27, please refund",
    "Updated payment method to {card} but checkout still fails with error 402.",
    "why did you charge {card}?? I cancelled on {date}",
    "Billing: card {card} / order {order}",
    # --- IBANs ---
    "Please refund {price} to IBAN {iban}, account holder {name}.",
    "our new bank details: {iban} (BIC {bic}) - please update before the next invoice",
    "iban {iban} thanks",
    "Bitte die Rückerstattung auf {iban} überweisen.",
    "Veuillez rembourser sur mon compte {iban} svp",
    "SEPA mandate failed for {iban}, can you retry? invoice {order}",
    "Refund to {iban} please, I no longer use the card {card}.",
    # --- IPs ---
    "Getting 403 from {ip} since {time}, our office IP is {ip}",
    "login alerts keep showing {ip}, that's not me!! please lock my account",
    "Whitelist request: please allow {ip} and {ip} for the API ({version}).",
    "error log: `upstream connect error from {ip}:8443 (req {ticket})`",
    "My home IP is {ip} and the VPN egress is {ip}, SSO fails from both",
    # --- addresses & postcodes ---
    "Ship the replacement to {us_street}, {uscity} {zip}.",
    "new billing address: {uk_street}, {ukcity} {ukpc}",
    "Please send the hardware to {name}, {us_street}, {uscity} {zip}, phone {phone_us}.",
    "We moved! Our office is now at {uk_street}, {ukcity}, {ukpc}.",
    "my postcode is {ukpc} but the form says invalid postcode",
    "ZIP {zip} is rejected by checkout, it's a real zip!",
    "Lieferadresse: {de_street}, {berlin_pc} Berlin",
    "Adresse de facturation : {fr_street}, {paris_pc} Paris",
    "The courier left it at {us_street} instead of my apartment. Tracking said delivered at {time}.",
    "Invoice should show: {company}, {uk_street}, {ukcity} {ukpc}, VAT GB{num}",
    "Address on file is wrong ({us_street}), it should be {us_street}, {uscity} {zip}",
    "postcode {ukpc} isn't recognised by the delivery checker, rated 2/5",
    "hi can u deliver to {uk_street} {ukpc}? thx {first}",
    # --- national ids ---
    "For the W-9 form my SSN is {ssn}, please update the tax record.",
    "I typed my social security number ({ssn}) in the chat by mistake, please delete it!",
    "NI number: {nino} - needed for the payroll integration",
    "my national insurance no is {nino}, your form says it's invalid??",
    "Para la factura necesitan mi DNI: {dni}",
    "Here is my {euid_label} {euid} as requested by your KYC team.",
    "Il codice fiscale è {cf}, grazie.",
    "Mijn BSN is {bsn}, kunnen jullie dat verwijderen uit het ticket?",
    "numéro de sécurité sociale : {nir}",
    "PESEL: {pesel}",
    "The payroll export shows SSN {ssn} for the wrong employee ({name}).",
    "DNI {dni} - el sistema no me deja verificar la cuenta",
    # --- dob ---
    "DOB: {dob}",
    "I was born on {dob} and the age check says I'm under 18??",
    "date of birth {dob}, name {name}, account {order}",
    "For verification: {name}, born {dob}, postcode {ukpc}",
    "my birthday is {dob} lol why does the app need this",
    "d.o.b. {dob} / passport {passport}",
    "Geburtsdatum: {dob}",
    "Né le {dob}, je n'arrive pas à valider mon identité.",
    "The KYC form rejected my date of birth ({dob}) even though it matches my ID.",
    # --- passport ---
    "Passport number {passport}, expiry {date}. Why do you even need this for a SaaS tool?",
    "I uploaded my passport ({passport}) three times and verification still fails.",
    "passport no: {passport}",
    "Reisepassnummer {passport} - bitte löschen",
    "KYC: passport {passport}, DOB {dob}, nationality GB",
    # --- secrets ---
    "Our API key is {s_stripe}, is it safe that it shows in the logs?",
    "I accidentally pasted my key here: {s_stripe_dash} - can you rotate it?",
    "The integration fails with 401 using {s_openai_proj}",
    "used token {s_ghp} for the GitHub sync and it says bad credentials",
    "aws creds: AWS_ACCESS_KEY_ID={s_aws_akid} AWS_SECRET_ACCESS_KEY={s_aws_secret}",
    "Slack bot token {s_slack_bot} stopped working after {version}",
    "The webhook {s_slack_hook} returns 404 since {date}",
    "Authorization: Bearer {s_jwt}\n-> returns 500",
    "I pasted our deploy key by mistake, please purge this ticket:\n{s_pkey}",
    "config: OPENAI_API_KEY={s_openai}",
    "github_token: {s_github_pat}",
    "maps widget broken, key {s_google}",
    "SENDGRID_API_KEY={s_sendgrid}\nemails stopped sending at {time}",
    "Twilio SID key {s_twilio} was rejected",
    "my password is {s_password}, it doesn't let me log in",
    "DATABASE_URL=postgres://admin:{s_db_password}@db.internal:5432/prod is what we use, connection refused",
    "restricted key {s_stripe_rk} has wrong permissions",
    "We used {s_anthropic} in the AI settings and it says invalid key",
    "token {s_slack_user} posted to the wrong channel",
    "oauth token from the GitHub app: {s_gho}",
    "export STRIPE_SECRET={s_stripe}",
    "the jwt {s_jwt} expires after {num} seconds instead of an hour",
    "key: {secret}",
    # --- mixed / GDPR / KYC ---
    "GDPR request: {name}, {email}, {uk_street}, {ukcity} {ukpc}. Please delete everything.",
    "Account owner: {name}\nPhone: {phone}\nEmail: {email}\nAddress: {us_street}, {uscity} {zip}",
    "Verify me pls: {name}, DOB {dob}, SSN {ssn}",
    "Employee record for {name}: NI {nino}, born {dob}, mobile {phone_uk}",
    "Customer {name} ({email}) paid with {card} from IP {ip}",
    "{first} again. I sent you my IBAN {iban} and my phone {phone} last week but no refund yet!",
    "Bonjour, je suis {name}, mon numéro est le {phone_fr} et mon IBAN {iban}.",
    "Hallo, hier ist {name}. Meine Adresse: {de_street}, {muc_pc} München. Tel. {phone_de}",
    "Hi I'm {first}, my login ip is {ip} and my email {email_obf}",
    "name {name} / dob {dob} / passport {passport} / phone {phone_in}",
    "NPS 9. Great product. If you want a quote: {name}, {size} employees, {email}",
]

NEG_TEMPLATES = [
    "Order {order} arrived damaged, the box was crushed. Rated 2/5.",
    "Since updating to {version} the sidebar flickers. Chrome, Windows {version}.",
    "We're on the {plan} plan ({price}) and would upgrade if SSO was included.",
    "Company size: {size}. Role: product manager. Would recommend: yes.",
    "The outage on {date} lasted from {time} to {time}, please post a status update sooner next time.",
    "rated 5/5, best roadmap tool we've tried!!",
    "SKU {sku} is listed twice in the catalogue with different prices ({price} vs {price}).",
    "Ticket {ticket} is still open after {num} days",
    "Version {version} fixed the export bug, thanks. Still seeing {pct} CPU though.",
    "Can you add dark mode? {num} of us voted for it on the ideas board.",
    "invoice {order} dated {date} shows {price}, should be {price} after the discount",
    "Build {version} crashes when importing a CSV with more than 10,000 rows.",
    "Will this be fixed in the next release? Mark as urgent please.",
    "Grace period for the {plan} plan ended on {date} and we were locked out at {time}.",
    "We migrated from Jira to your tool on {date}. {pct} of tickets imported fine.",
    "The API returns HTTP 429 after {num} requests per minute, docs say 600.",
    "Meeting scheduled for {date} at {time} to discuss the renewal.",
    "Our team of {num} uses Insights daily; the {plan} tier at {price} is fair.",
    "Bug: tooltip overlaps the chart on screens narrower than 1280px.",
    "The Q3 report (generated {date}) shows 1,234,567 events but the dashboard says 1.2M.",
    "Request ID 7f3e2a10-4b1c-4d2e-9a8f-0c1d2e3f4a5b failed with error 0x80070005.",
    "Tracking number 1Z 999 AA1 01 2345 678 4 hasn't updated since {date}.",
    "PO number {poorder} needs to appear on the invoice.",
    "rate limit is 1000/hour, we need 5000/hour for the {plan} plan",
    "Port 8443 blocked by our firewall, can the agent use 443?",
    "Release notes for {version} mention 'faster search' but it's slower for us ({pct}).",
    "Checkout fails for orders over {price}. Order ref {order}.",
    "The mobile app ({version}) drains battery, 12% per hour in the background.",
    "Please support ISO dates like {isodate} in the CSV import.",
    "Feature request: bulk edit for more than 50 items. Rated 4/5.",
    "Our renewal date is {xdate}, please send the quote before then.",
    "The chart for week 37 is empty, weeks 1-36 look fine.",
    "Room 4.12 projector doesn't mirror the dashboard, HDMI 2.1 cable.",
    "Plan: {plan}. Seats: {num}. Term: 12 months. Discount: {pct}.",
    "Error code E-4021 when saving, happens about {pct} of the time.",
    "We have 1001-5000 employees and need SCIM provisioning.",
    "The sprint starts Monday {time}, please don't deploy during that window.",
    "Tried on Safari 17.4 and Firefox 125.0.1, same issue.",
    "Customer ID CUST-00{num}49 cannot be merged with CUST-00{num}50.",
    "Great support, fixed within 2 hours. 10/10 would recommend.",
    "Commit a3f9c21 broke the webhook retries I think.",
    "Table shows 3.14159 instead of 3.14, rounding setting ignored.",
    "The 2024-2025 pricing page still lists {price} for {plan}.",
    "Account number on the invoice is {acctref}, is that right?",
    "Lot number {sku} was recalled? We got an email about it.",
    "Coupon code SPRING-{num}-OFF didn't apply at checkout.",
    "Serial: SN-{serial}. The device resets every few hours.",
    "Your status page said 99.95% uptime in {month}, felt lower.",
    "Took {num} ms to load the board with 2,500 cards.",
    "Scale: 1 = very poor, 5 = excellent. My answer: 4.",
    "The API key field should be masked like sk_live_**** on the settings page.",
    "Set API_KEY=<your-key-here> in the .env file, the docs example is wrong.",
    "The webhook payload has 'version': '{version}' but the docs say 2.0.",
    "Summer 2024 release was great; the Autumn update less so.",
    "Our Madison office says exports are instant for them, they're not for us!",
    "Works on 5G but not on office wifi. Latency ~{num}ms.",
    "Import of 14/02 failed, import of 15/02 fine.",
    "Our fiscal year ends 31/03; reports should default to that.",
    "ETA for the fix? We're blocked since {date} {time}.",
    "Sales quoted {price} for 1001-5000 seats, web says different.",
    "4.8 stars on the app store is deserved. Keep going.",
    "Zoom link in the calendar invite for {date} is broken.",
    "The number 800-555 in the template is a placeholder, don't call it.",
    "Sorting by 'Priority 1-5' puts 10 before 2.",
    "Quote Q-{num}-2024 expired on {date}.",
    "Screen resolution 2560x1440, scaling 125%.",
    "The Main Street store can't print shipping labels since {version}.",
    "Docs page 'Getting started (v3)' links to v2 images.",
    "Chapter 11.2.3 of your security whitepaper mentions TLS 1.2; do you support 1.3?",
    "We expect 20-30% growth, so 250-300 seats by Q4.",
]

# extra fillers used only by some negatives
FILLERS.update(
    {
        "xdate": lambda rng, ctx: f"{rng.randint(2024, 2026)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "month": lambda rng, ctx: f"{rng.choice(MONTHS)} {rng.randint(2022, 2025)}",
        "poorder": lambda rng, ctx: f"{rng.randint(4500000000, 4599999999)}",
        "isodate": lambda rng, ctx: (
            f"{rng.randint(2021, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00Z"
        ),
        "acctref": lambda rng, ctx: f"ACC-{rng.randint(100000, 999999)}",
        "serial": lambda rng, ctx: (
            f"{rng.choice(string.ascii_uppercase)}{rng.randint(100000, 999999)}{rng.choice(string.ascii_uppercase)}"
        ),
        "company": lambda rng, ctx: rng.choice(
            ["Initech Ltd", "Globex Ltd", "Acme Logistics Ltd", "Northwind Traders plc"]
        ),
        "bic": lambda rng, ctx: rng.choice(["DEUTDEFF", "NWBKGB2L", "BNPAFRPP", "INGBNL2A", "CAIXESBB"]),
    }
)

# --------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------

PH = re.compile(r"\{(\w+)\}")
LOWER_OK = set()  # filled below: templates for which whole-text lowercasing is realistic


def typo(rng, text):
    """Introduce a typo into a literal (non-PII) segment: swap, drop or double a letter."""
    words = [m for m in re.finditer(r"[A-Za-z]{5,}", text)]
    if not words:
        return text
    m = rng.choice(words)
    w = m.group()
    i = rng.randint(1, len(w) - 2)
    op = rng.randrange(3)
    if op == 0:
        w2 = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    elif op == 1:
        w2 = w[:i] + w[i + 1 :]
    else:
        w2 = w[:i] + w[i] + w[i:]
    return text[: m.start()] + w2 + text[m.end() :]


def render(template, rng, allow_pii=True):
    ctx = {}
    if rng.random() < 0.5:
        new_person(rng, ctx)  # some texts tie names and emails together
    # pre-pick the EU id so its label filler can precede it
    parts = PH.split(template)
    out, spans = [], []
    pos = 0
    # lookahead: if template has euid, generate it first so {euid_label} can be filled
    pre = {}
    if "{euid}" in template:
        pre["euid"] = gen_euid_labelled(rng, ctx)
    literal_typo = rng.random() < 0.18
    for i, part in enumerate(parts):
        if i % 2 == 0:
            seg = part
            if literal_typo and len(seg) > 12:
                seg = typo(rng, seg)
                literal_typo = False
            out.append(seg)
            pos += len(seg)
            continue
        key = part
        if key in PII:
            if not allow_pii:
                raise ValueError(f"PII placeholder {key} in negative template")
            typ, gen = PII[key]
            val = pre.pop(key) if key in pre else gen(rng, ctx)
            spans.append({"type": typ, "value": val, "start": pos, "end": pos + len(val)})
        elif key in FILLERS:
            val = FILLERS[key](rng, ctx)
        else:
            raise KeyError(key)
        out.append(val)
        pos += len(val)
    text = "".join(out)
    # surface variation that keeps offsets: casing, trailing punctuation
    r = rng.random()
    if r < 0.08 and not any(s["type"] == "secret" for s in spans):
        low = text.lower()
        if len(low) == len(text):
            text = low
    elif r < 0.12:
        text = text + rng.choice(["!!", " ...", " 🙏", " thx"])
    for s in spans:
        s["value"] = text[s["start"] : s["end"]]
    return text, spans


def build(seed=SEED):
    rng = random.Random(seed)
    _IBAN_TURN[0] = 0
    rows = []
    # positives: every template at least once, then random fills up to N_POSITIVE
    # after one pass over all templates, keep topping up the rarest type so
    # every type gets a fair number of items
    by_type = {
        t: [i for i, tpl in enumerate(POS_TEMPLATES) if any(PII[k][0] == t for k in PH.findall(tpl) if k in PII)]
        for t in TYPES
    }
    counts = {t: 0 for t in TYPES}
    for k in range(N_POSITIVE):
        if k < len(POS_TEMPLATES):
            ti = k
        else:
            low = min(counts.values())
            t = rng.choice([t for t in TYPES if counts[t] == low])
            ti = rng.choice(by_type[t])
        text, spans = render(POS_TEMPLATES[ti], rng)
        for s in spans:
            counts[s["type"]] += 1
        rows.append({"id": f"pos-{k + 1:04d}", "text": text, "pii": spans})
    order = list(range(len(NEG_TEMPLATES)))
    while len(order) < N_NEGATIVE:
        order.append(rng.randrange(len(NEG_TEMPLATES)))
    for k, ti in enumerate(order):
        text, spans = render(NEG_TEMPLATES[ti], rng, allow_pii=False)
        rows.append({"id": f"neg-{k + 1:04d}", "text": text, "pii": spans})
    rng.shuffle(rows)
    return rows


def validate(rows):
    counts = {t: 0 for t in TYPES}
    for r in rows:
        for s in r["pii"]:
            assert r["text"][s["start"] : s["end"]] == s["value"], r
            assert s["value"] and s["value"] == s["value"].strip(), s
            counts[s["type"]] += 1
        sp = sorted(r["pii"], key=lambda s: s["start"])
        for a, b in zip(sp, sp[1:]):
            assert a["end"] <= b["start"], ("overlap", r)
    pos = sum(1 for r in rows if r["pii"])
    neg = len(rows) - pos
    assert pos >= 200 and neg >= 40, (pos, neg)
    for t, c in counts.items():
        assert c >= 12, (t, c)
    return counts, pos, neg


def dumps(rows):
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--check", action="store_true", help="fail if the file on disk differs")
    a = ap.parse_args(argv)
    rows = build(a.seed)
    counts, pos, neg = validate(rows)
    data = dumps(rows)
    if a.check:
        ok = a.out.exists() and a.out.read_text(encoding="utf-8") == data
        print("up to date" if ok else "DIFFERS")
        return 0 if ok else 1
    a.out.write_text(data, encoding="utf-8")
    print(f"wrote {a.out} : {len(rows)} texts ({pos} with PII, {neg} negatives)")
    for t in TYPES:
        print(f"  {t:14s} {counts[t]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
