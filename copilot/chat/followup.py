"""A follow-up question made standalone before retrieval.

"which plan complains most about that?" after "why are exports slow?" retrieves on its own words (plans,
complaints) and finds quotes about support and SSO. So a question that refers back ("that", "it", "those", or
three words or fewer) is rewritten into a query that stands alone: by the model when one is configured, and only
if the model's reply is a plain query (one short line, no markers, quotes, links or fence, sharing words with the
conversation); otherwise, and without a model, by carrying the previous question's key terms over.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from copilot.chat.verify import FENCE_RE, LINK_RE, MARKER_RE
from copilot.llm.base import Message, Model, ModelError, Usage
from copilot.prompts import data_rule, fence, load_prompt

REFERRING = {
    "that", "this", "it", "its", "those", "these", "them", "they", "their", "there", "same", "such", "former",
    "latter", "one", "ones",
}  # fmt: skip
STOP = {
    "a", "about", "all", "also", "an", "and", "any", "are", "as", "at", "be", "but", "by", "can", "could", "did",
    "do", "does", "for", "from", "get", "got", "has", "have", "how", "i", "in", "is", "me", "most", "much",
    "my", "of", "on", "or", "our", "so", "some", "tell", "than", "the", "to", "us", "was", "we", "were", "what",
    "when", "where", "which", "who", "why", "will", "with", "would", "you", "your", "more", "many", "people",
    "customers", "customer", "say", "says", "said", "complain", "complains", "please", "then", "ok",
} | REFERRING  # fmt: skip
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z0-9'-]*")
MAX_QUERY_WORDS = 30


@dataclass
class Standalone:
    query: str
    how: str  # "as asked", "model" or "carried"
    usage: Usage | None = None


def key_terms(text: str) -> list[str]:
    """Content words, in order, once each."""
    words = [w.lower() for w in _WORD_RE.findall(text)]
    return list(dict.fromkeys(w for w in words if w not in STOP and len(w) > 2))


def refers_back(question: str) -> bool:
    words = [w.lower() for w in _WORD_RE.findall(question)]
    return bool(REFERRING & set(words)) or len(key_terms(question)) <= 1 < len(words) <= 6


def carried(question: str, previous: str) -> str:
    """The earlier question's key terms, then the follow-up's own: what "that" means leads the query, and the
    follow-up's function words ("which", "most", "complains") no longer pull in whatever else they match."""
    return " ".join(dict.fromkeys([*key_terms(previous), *key_terms(question)]))


def plain_query(reply: str, question: str, earlier: list[str]) -> str | None:
    """The model's rewrite if it is a plain search query about this conversation, else None."""
    line = reply.strip().strip("\"'“”` ").strip()
    if not line or "\n" in line or len(line.split()) > MAX_QUERY_WORDS:
        return None
    if MARKER_RE.search(line) or FENCE_RE.search(line) or LINK_RE.search(line) or any(c in line for c in '"“”<>{}'):
        return None
    if re.match(r"^(sure|here|okay|certainly|i |as an|the query|query:|rewritten)", line, re.I):
        return None
    known = set(key_terms(" ".join([question, *earlier])))
    return line if set(key_terms(line)) & known else None


def _ask_model(model: Model, question: str, earlier: list[str]) -> tuple[str | None, Usage | None]:
    delimiter, fenced = fence("\n".join(f"- {q[:300]}" for q in earlier[-3:]), "earlier questions")
    content = load_prompt("chat_query").render(data_rule=data_rule(delimiter), earlier=fenced, question=question)
    try:
        completion = model.generate([Message(role="user", content=content)], max_tokens=60, temperature=0.0)
    except ModelError:
        return None, None  # retrieval still works from the carried terms; the answer's own call will report
    return plain_query(completion.text, question, earlier), completion.usage


def standalone_query(question: str, history: list[Message], model: Model) -> Standalone:
    """The query to retrieve with: the question itself unless it refers back to an earlier one."""
    earlier = [m.content for m in history if m.role == "user" and m.content.strip()]
    if not earlier or not refers_back(question):
        return Standalone(question, "as asked")
    if model.can_generate:
        rewritten, usage = _ask_model(model, question, earlier)
        if rewritten:
            return Standalone(rewritten, "model", usage)
        return Standalone(carried(question, earlier[-1]), "carried", usage)
    return Standalone(carried(question, earlier[-1]), "carried")
