"""How the bytes of a text file become text: one encoding per file, chosen by a stated preference.

UTF-8 first (with or without BOM), UTF-16 when the file says so or looks like it, then Western text as cp1252.
A file that is UTF-8 apart from a few bad lines stays UTF-8, and those lines are reported as skipped rows:
guessing a single-byte encoding for the whole file because of one bad row turned every accent in it into
mojibake. Only text that is not Latin-script (Cyrillic, Greek, CJK...) takes charset-normalizer's guess, because
its guesses among Latin code pages are close to coin flips (a Latin-1 French file came back as cp1250).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer

from copilot.errors import CopilotError, ErrorCode

# Code pages of Latin-script text: for these, cp1252 (a superset of Latin-1 in its printable range) is preferred.
_LATIN = {
    "ascii",
    "latin_1",
    "cp1252",
    "cp1250",
    "cp1254",
    "cp1257",
    "cp1258",
    "cp437",
    "cp775",
    "cp850",
    "cp852",
    "cp857",
    "cp858",
    "cp860",
    "cp863",
    "cp865",
    "hp_roman8",
    "mac_roman",
    "mac_latin2",
    "mac_iceland",
    "mac_turkish",
    *(f"iso8859_{n}" for n in (2, 3, 4, 9, 10, 13, 14, 15, 16)),
}
_CONTROL = set(range(0x00, 0x09)) | set(range(0x0E, 0x1B)) | set(range(0x1C, 0x20))


@dataclass(frozen=True)
class Decoding:
    """The encoding of one file; `per_line` when lines can be decoded one by one (every ASCII-compatible one)."""

    encoding: str
    per_line: bool = True
    guess: str | None = None  # set when the encoding was guessed: the warning the report carries

    def strict(self) -> bool:
        """Whether a line that does not decode is a bad row (UTF-8) rather than decoded with replacements."""
        return self.encoding in ("utf-8", "utf-8-sig")


def _utf16(sample: bytes) -> str | None:
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le"
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be"
    return None


def check_not_binary(sample: bytes, name: str) -> None:
    """Refuse a file that is not text at all (an image or archive renamed .txt or .csv)."""
    if _utf16(sample):
        return
    head = sample[:65536]
    if b"\x00" in head or (head and sum(b in _CONTROL for b in head) / len(head) > 0.1):
        raise CopilotError(
            ErrorCode.bad_input, f"{name}: a binary file (NUL or control bytes), not text; nothing was read from it"
        )


def _utf8_lines(sample: bytes, full: bool) -> tuple[int, int]:
    """(lines that are not valid UTF-8, lines with valid non-ASCII UTF-8) in the sample."""
    lines = sample.split(b"\n")
    if not full and len(lines) > 1:
        lines = lines[:-1]  # the sample may end mid-line, mid-character
    bad = good = 0
    for line in lines:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            bad += 1
            continue
        good += not line.isascii()
    return bad, good


def choose_decoding(sample: bytes, name: str, *, full: bool = False) -> Decoding:
    """The decoding of a file from its first bytes (`full` when the sample is the whole file)."""
    if sample.startswith(codecs.BOM_UTF8):
        return Decoding("utf-8-sig")
    wide = _utf16(sample)
    if wide:
        return Decoding(wide, per_line=False)
    bad, good = _utf8_lines(sample, full)
    if bad == 0 or good >= bad:
        return Decoding("utf-8")
    best = charset_normalizer.from_bytes(sample).best()
    guessed = best.encoding if best is not None else "cp1252"
    if guessed in _LATIN or guessed.startswith("utf"):
        return Decoding("cp1252", guess=f"{name}: not UTF-8; read as cp1252 (Western European), a guess: {_ADVICE}")
    language = f", {best.language}" if best is not None and best.language != "Unknown" else ""
    return Decoding(guessed, guess=f"{name}: not UTF-8; read as {guessed}{language}, a guess: {_ADVICE}")


_ADVICE = "if letters look wrong, save the file as UTF-8 and ingest it again"


def detect_encoding(sample: bytes) -> str:
    """The encoding `choose_decoding` picks, for callers that decode a whole text at once."""
    return choose_decoding(sample, "file").encoding


def decode_text(raw: bytes, name: str) -> tuple[str, list[str]]:
    """A whole document as text, with the warnings (a guessed encoding, lines with bytes that are not UTF-8)."""
    check_not_binary(raw[: 1 << 20], name)
    dec = choose_decoding(raw[: 1 << 20], name, full=len(raw) <= 1 << 20)
    warnings = [dec.guess] if dec.guess else []
    try:
        return raw.decode(dec.encoding), warnings
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        warnings.append(f"{name}:{line}: bytes that are not valid {dec.encoding} were replaced with '\ufffd'")
        return raw.decode(dec.encoding, errors="replace"), warnings


def decode_line(raw: bytes, dec: Decoding, first: bool) -> tuple[str, str | None]:
    """One line as text, and why it is bad when its bytes are not valid in the file's encoding."""
    encoding = "utf-8-sig" if first and dec.encoding == "utf-8-sig" else dec.encoding.replace("-sig", "")
    if not dec.strict():
        return raw.decode(encoding, errors="replace"), None
    try:
        return raw.decode(encoding), None
    except UnicodeDecodeError as exc:
        problem = f"bytes that are not valid UTF-8 (0x{raw[exc.start]:02x} at column {exc.start + 1}); row skipped"
        return raw.decode(encoding, errors="replace"), problem
