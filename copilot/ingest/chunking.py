"""Splits long documents into chunks by headings and tokens, keeping exact offsets into the record.

Chunks are contiguous and do not overlap, so `record.text == "".join(chunk.text for chunk in chunks)` and
any quote can be checked against the original text, even one that spans two chunks.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

from copilot.models import Chunk
from copilot.tokens import get_encoding

if TYPE_CHECKING:  # imported when a long text needs it: 0.4 s of every reader's start for short feedback
    from langchain_text_splitters import RecursiveCharacterTextSplitter

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.M)


def _splitter(chunk_tokens: int) -> RecursiveCharacterTextSplitter:
    from langchain_text_splitters import Language, RecursiveCharacterTextSplitter

    enc = get_encoding("cl100k_base")
    return RecursiveCharacterTextSplitter(
        separators=RecursiveCharacterTextSplitter.get_separators_for_language(Language.MARKDOWN),
        chunk_size=chunk_tokens,
        chunk_overlap=0,
        length_function=lambda t: len(enc.encode_ordinary(t)),
        add_start_index=True,
        strip_whitespace=False,
    )


def _sections(text: str) -> tuple[list[int], list[str]]:
    """Start offsets of Markdown headings and the heading path in force from each."""
    starts: list[int] = []
    paths: list[str] = []
    stack: list[tuple[int, str]] = []
    for m in _HEADING_RE.finditer(text):
        level = len(m.group(1))
        stack = [(lv, t) for lv, t in stack if lv < level] + [(level, m.group(2).strip())]
        starts.append(m.start())
        paths.append(" > ".join(t for _, t in stack))
    return starts, paths


_MIN_VISIBLE = 80


def _fold_fragments(text: str, starts: list[int]) -> list[int]:
    """Drop boundaries that would leave a fragment (a lone heading, blank lines) as a chunk of its own."""
    kept = [0]
    for s in starts[1:]:
        if len(text[kept[-1] : s].strip()) >= _MIN_VISIBLE:
            kept.append(s)
    if len(kept) > 1 and len(text[kept[-1] :].strip()) < _MIN_VISIBLE:
        kept.pop()
    return kept


def needs_chunking(text: str, chunk_tokens: int) -> bool:
    # Cheap bound first: a token is at least one character, and short feedback is the common case.
    return len(text) > chunk_tokens and len(get_encoding().encode_ordinary(text)) > chunk_tokens


def chunk_record(record_id: str, text: str, chunk_tokens: int) -> list[Chunk]:
    """One chunk for short text; contiguous token-bounded chunks, split at headings first, for long text."""
    if not needs_chunking(text, chunk_tokens):
        return [Chunk(id=record_id, record_id=record_id, index=0, count=1, start=0, end=len(text), text=text)]
    docs = _splitter(chunk_tokens).create_documents([text])
    starts = sorted({0, *(int(d.metadata["start_index"]) for d in docs if d.metadata.get("start_index", -1) >= 0)})
    bounds = [*_fold_fragments(text, starts), len(text)]
    heading_starts, heading_paths = _sections(text)
    chunks: list[Chunk] = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        if start == end:
            continue
        h = bisect_right(heading_starts, start) - 1
        # A chunk that opens with a heading belongs to that heading's section.
        segment = text[start:end]
        lead = start + len(segment) - len(segment.lstrip())
        first_line_end = text.find("\n", lead)
        if h + 1 < len(heading_starts) and heading_starts[h + 1] < (first_line_end if first_line_end >= 0 else end):
            h += 1
        chunks.append(
            Chunk(
                id="",
                record_id=record_id,
                index=0,
                count=0,
                start=start,
                end=end,
                text=segment,
                section=heading_paths[h] if h >= 0 else None,
            )
        )
    for i, c in enumerate(chunks):
        c.index, c.count = i, len(chunks)
        c.id = record_id if i == 0 else f"{record_id}:{i}"
    return chunks
