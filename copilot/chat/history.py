"""Conversations kept in SQLite (the service database), so a follow-up question sees what was said before."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from copilot.llm.base import Message
from copilot.service_db import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, project TEXT NOT NULL, created REAL NOT NULL);
CREATE TABLE IF NOT EXISTS messages (
    conversation_id TEXT NOT NULL REFERENCES conversations(id), seq INTEGER NOT NULL, role TEXT NOT NULL,
    content TEXT NOT NULL, citations TEXT NOT NULL DEFAULT '[]', created REAL NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
"""


class History:
    def __init__(self, path: Path) -> None:
        self.path = path

    def start(self, project: str, conversation_id: str | None = None) -> str:
        """The conversation to continue, or a new one (also when the id is unknown or of another project)."""
        with connect(self.path, SCHEMA) as db:
            if conversation_id:
                row = db.execute("SELECT project FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
                if row and row[0] == project:
                    return conversation_id
            new = "conv_" + uuid.uuid4().hex[:16]
            db.execute("INSERT INTO conversations VALUES (?, ?, ?)", (new, project, time.time()))
            return new

    def begin(self, project: str, conversation_id: str | None, question: str) -> tuple[str, list[Message]]:
        """Continue (or start) a conversation with a question: its id and the messages before the question."""
        conv = self.start(project, conversation_id)
        earlier = self.messages(conv)
        self.add(conv, "user", question)
        return conv, earlier

    def messages(self, conversation_id: str, limit: int = 12) -> list[Message]:
        with connect(self.path, SCHEMA) as db:
            rows = db.execute(
                "SELECT role, content FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT ?",
                (conversation_id, limit),
            ).fetchall()
        return [Message(role=role, content=content) for role, content in reversed(rows)]

    def add(self, conversation_id: str, role: str, content: str, citations: list[dict] | None = None) -> None:
        with connect(self.path, SCHEMA) as db:
            db.execute("BEGIN IMMEDIATE")
            seq = db.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
            db.execute(
                "INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, seq, role, content, json.dumps(citations or []), time.time()),
            )
            db.execute("COMMIT")
