"""Readers for whole documents: Markdown (with optional YAML front matter), plain text, PDF."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from copilot.errors import CopilotError, ErrorCode
from copilot.ingest.textfile import decode_text

DOCUMENT_SUFFIXES = {".md", ".markdown", ".txt", ".text", ".pdf", ".html", ".htm"}


@dataclass
class Document:
    name: str
    text: str
    title: str | None = None
    front_matter: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str, list[str]]:
    if not text.startswith("---"):
        return {}, text, []
    end = text.find("\n---", 3)
    if end < 0:
        return {}, text, []
    block = text[3:end]
    body = text[end + 4 :].lstrip("-").lstrip("\n")
    try:
        meta = yaml.safe_load(block) or {}
    except yaml.YAMLError as exc:
        return {}, text, [f"{name}: front matter is not valid YAML, kept as text ({exc.__class__.__name__})"]
    if not isinstance(meta, dict):
        return {}, text, [f"{name}: front matter is not a mapping, kept as text"]
    return meta, body, []


def _first_heading(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def read_pdf(path: Path, name: str) -> Document:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise CopilotError(ErrorCode.bad_input, f"{name}: the PDF is encrypted with a password")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, OSError, ValueError) as exc:
        raise CopilotError(ErrorCode.bad_input, f"{name}: not a readable PDF ({exc})") from exc
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise CopilotError(ErrorCode.bad_input, f"{name}: the PDF has no extractable text (a scan? run OCR first)")
    title = reader.metadata.title if reader.metadata and reader.metadata.title else None
    return Document(name=name, text=text, title=title)


def read_document(path: Path, name: str) -> Document:
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return read_pdf(path, name)
    text, decoding_notes = decode_text(path.read_bytes(), name)
    meta, body, warnings = _split_front_matter(text.lstrip("\ufeff"), name)
    warnings = decoding_notes + warnings
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    if suffix in {".md", ".markdown"}:
        title = title or _first_heading(body)
    return Document(name=name, text=body, title=title, front_matter=meta, warnings=warnings)
