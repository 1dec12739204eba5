"""Answers the bot gave, and the helpful / not helpful clicks on them, kept so they can become eval cases."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

from copilot.service_db import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS slack_answers (
    id TEXT PRIMARY KEY, created REAL NOT NULL, project TEXT NOT NULL, channel TEXT NOT NULL, question TEXT NOT NULL,
    answer TEXT NOT NULL, evidence TEXT NOT NULL, helpful INTEGER, rated_by TEXT, rated REAL
);
"""


class Feedback:
    def __init__(self, db: Path) -> None:
        self.db = db

    def answered(self, project: str, channel: str, question: str, answer: str, evidence: list[dict[str, Any]]) -> str:
        answer_id = "ans_" + uuid.uuid4().hex[:16]
        with connect(self.db, SCHEMA) as c:
            c.execute(
                "INSERT INTO slack_answers (id, created, project, channel, question, answer, evidence) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (answer_id, time.time(), project, channel, question, answer, json.dumps(evidence)),
            )
        return answer_id

    def rate(self, answer_id: str, helpful: bool, user: str) -> bool:
        with connect(self.db, SCHEMA) as c:
            cur = c.execute(
                "UPDATE slack_answers SET helpful = ?, rated_by = ?, rated = ? WHERE id = ?",
                (int(helpful), user, time.time(), answer_id),
            )
        return cur.rowcount == 1

    def rated(self, project: str | None = None) -> list[dict[str, Any]]:
        """Rated answers, newest first: question, answer, evidence (record ids and quotes) and the verdict."""
        query = "SELECT id, project, question, answer, evidence, helpful FROM slack_answers WHERE helpful IS NOT NULL"
        args: tuple[Any, ...] = ()
        if project:
            query, args = query + " AND project = ?", (project,)
        with connect(self.db, SCHEMA) as c:
            rows = c.execute(query + " ORDER BY rated DESC", args).fetchall()
        return [
            {
                "id": r[0],
                "project": r[1],
                "question": r[2],
                "answer": r[3],
                "evidence": json.loads(r[4]),
                "helpful": bool(r[5]),
            }
            for r in rows
        ]
