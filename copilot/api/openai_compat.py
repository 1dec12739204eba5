"""The OpenAI-compatible endpoints: `POST /v1/chat/completions` (`model` names the project), `GET /v1/models` and
`GET /v1/models/{id}`, as the official SDK, LangChain's ChatOpenAI, Open WebUI and LibreChat call them.

What a client sends is used where it can be: system messages become the client's instructions to the model,
`temperature` and `stop` go to the model, `max_tokens` caps the model and the delivered text (finish_reason
"length"), `stream_options.include_usage` adds the usage chunk. What cannot be honoured is refused with 400
rather than silently ignored: `n` > 1, `response_format` other than text (an answer is prose with cited evidence,
so LangChain's structured output fails at once with the reason instead of on invalid JSON), `tools`, `logprobs`,
and content parts other than text. Errors use OpenAI's shape, `{"error": {"message", "type", "code", "param"}}`,
because that is what these clients read (the SDK shows `message`), with our error codes as `code`.

Answers with a model are always verified before the first token, streamed or not: these clients show text as it
arrives and cannot take it back. Background tasks (titles, tags, follow-ups) are answered at once
(copilot.chat.tasks).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import StreamingResponse

from copilot.api.errors import RateLimited
from copilot.api.state import State, state
from copilot.api.streaming import HEARTBEAT_S, drain, failure
from copilot.chat.answer import AnswerOptions, answer_once, chat_events
from copilot.chat.evidence import reach
from copilot.chat.markdown import inert
from copilot.chat.tasks import answer_task, recognise
from copilot.errors import CopilotError, ErrorCode
from copilot.llm.base import Message
from copilot.llm.registry import get_model
from copilot.tokens import count_tokens, get_encoding

log = logging.getLogger("copilot.api")
MAX_MESSAGES = 200
MAX_PARTS = 100  # content parts, over all messages
MAX_QUESTION_CHARS = 4000  # the question itself, as for POST /v1/projects/{p}/chat
MAX_MESSAGE_CHARS = 32_000  # any earlier message or system prompt
CHUNK_CHARS = 200


class OpenAIProblem(CopilotError):
    """A CopilotError that names the request field it is about (OpenAI's `param`)."""

    def __init__(self, code: ErrorCode, detail: str, param: str | None = None) -> None:
        super().__init__(code, detail)
        self.param = param


def openai_error(code: ErrorCode, detail: str, param: str | None = None, status: int | None = None) -> JSONResponse:
    status = status or code.status
    kind = {401: "authentication_error", 403: "permission_error", 429: "rate_limit_error"}.get(status)
    kind = kind or ("invalid_request_error" if status < 500 else "server_error")
    body = {"error": {"message": detail, "type": kind, "code": code.value, "param": param}}
    return JSONResponse(body, status_code=status)


class OpenAIRoute(APIRoute):
    """Every failure of these routes, from the key check to validation, in OpenAI's error shape."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def shaped(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                first = exc.errors()[0]
                param = ".".join(str(x) for x in first["loc"] if x != "body")
                return openai_error(ErrorCode.bad_input, f"{param or 'request'}: {first['msg']}", param, 400)
            except CopilotError as exc:
                response = openai_error(exc.code, exc.detail, getattr(exc, "param", None))
                if isinstance(exc, RateLimited):
                    response.headers["Retry-After"] = str(exc.retry_after)
                return response
            except StarletteHTTPException as exc:
                return openai_error(ErrorCode.http_error, str(exc.detail), status=exc.status_code)
            except Exception as exc:  # noqa: BLE001 - logged with an id; the client gets the id, never a trace
                request_id = uuid.uuid4().hex[:12]
                log.error("request %s failed: %s", request_id, type(exc).__name__, exc_info=exc)
                detail = f"internal error (request {request_id}); see the server log"
                return openai_error(ErrorCode.internal, detail, status=500)

        return shaped


# Mounted by chat_routes under /v1 with its key check, which then runs inside OpenAIRoute (shaped errors).
router = APIRouter(route_class=OpenAIRoute, tags=["openai"])


class Part(BaseModel):
    type: str
    text: str | None = None


class OpenAIMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[Part] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text or "" for p in self.content if p.type == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    include_usage: bool = False


class CompletionRequest(BaseModel):
    model: str = Field(description="The project to answer from.")
    messages: list[OpenAIMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = None
    n: int | None = Field(None, ge=1)
    response_format: dict[str, Any] | None = None
    tools: list[dict[str, Any]] | None = None
    functions: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    logprobs: bool | None = None
    user: str | None = None

    def stops(self) -> list[str]:
        return [self.stop] if isinstance(self.stop, str) else list(self.stop or [])

    def token_cap(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens


def _refuse_unusable(body: CompletionRequest) -> None:
    if (body.n or 1) > 1:
        raise OpenAIProblem(ErrorCode.bad_input, "n: one answer per request; send the request again for another", "n")
    kind = (body.response_format or {}).get("type", "text")
    if kind != "text":
        raise OpenAIProblem(
            ErrorCode.bad_input,
            f"response_format {kind!r} is not supported: answers are prose citing customer records. For records "
            "as data use GET /v1/projects/{project}/search",
            "response_format",
        )
    if (body.tools or body.functions) and body.tool_choice != "none":
        raise OpenAIProblem(ErrorCode.bad_input, "tools are not supported: PM Copilot calls no tools", "tools")
    if body.logprobs:
        raise OpenAIProblem(ErrorCode.bad_input, "logprobs are not available", "logprobs")
    if len(body.stops()) > 4:
        raise OpenAIProblem(ErrorCode.bad_input, "stop: at most 4 sequences", "stop")


def _check_size(body: CompletionRequest) -> None:
    if len(body.messages) > MAX_MESSAGES:
        raise OpenAIProblem(
            ErrorCode.bad_input,
            f"messages: {len(body.messages):,} messages; at most {MAX_MESSAGES} are accepted (the answer uses the "
            "last few turns)",
            "messages",
        )
    parts = [(i, p) for i, m in enumerate(body.messages) if isinstance(m.content, list) for p in m.content]
    if len(parts) > MAX_PARTS:
        raise OpenAIProblem(
            ErrorCode.bad_input, f"messages: {len(parts):,} content parts; at most {MAX_PARTS}", "messages"
        )
    for i, p in parts:
        if p.type != "text":
            raise OpenAIProblem(
                ErrorCode.bad_input,
                f"messages[{i}]: content of type {p.type!r} is not supported; send text",
                "messages",
            )
    for i, m in enumerate(body.messages):
        limit = MAX_QUESTION_CHARS if i == len(body.messages) - 1 else MAX_MESSAGE_CHARS
        if len(m.text()) > limit:
            what = "the question" if limit == MAX_QUESTION_CHARS else "a message"
            raise OpenAIProblem(
                ErrorCode.too_large,
                f"messages[{i}]: {what} has {len(m.text()):,} characters; the limit is {limit:,}",
                "messages",
            )


def _split(body: CompletionRequest) -> tuple[str, list[Message], str]:
    """(question, earlier turns, the client's instructions from system and developer messages)."""
    turns = [m for m in body.messages if m.role in ("user", "assistant")]
    if not turns or turns[-1].role != "user" or not turns[-1].text().strip():
        raise OpenAIProblem(ErrorCode.bad_input, "messages: the last message must be the user's question", "messages")
    system = "\n".join(m.text() for m in body.messages if m.role in ("system", "developer") and m.text().strip())
    history = [Message(role=m.role, content=m.text()) for m in turns[:-1]]
    return turns[-1].text(), history, system


def _sources(done: dict[str, Any]) -> str:
    """The cited records appended to an answer, for clients that show only text; a draft cites inline."""
    if not done["citations"] or "draft" in done:
        return ""
    return "\n\nSources:\n" + "\n".join(f"[{c['marker']}] {c['record_id']}: “{c['quote']}”" for c in done["citations"])


def _cut(content: str, stops: list[str], cap: int | None) -> tuple[str, str]:
    """The content a client gets under its `stop` and `max_tokens`, and the finish reason."""
    at = min((i for s in stops if s and (i := content.find(s)) >= 0), default=-1)
    if at >= 0:
        content = content[:at]
    if cap is not None:
        tokens = get_encoding().encode_ordinary(content)
        if len(tokens) > cap:
            return get_encoding().decode(tokens[:cap]), "length"
    return content, "stop"


class Reply(BaseModel):
    content: str
    finish: str
    usage: dict[str, int]
    verification: dict[str, Any] | None = None


def _reply(done: dict[str, Any], body: CompletionRequest) -> Reply:
    content, finish = _cut(inert(done["answer"]) + inert(_sources(done)), body.stops(), body.token_cap())
    used = done.get("usage") or {}
    prompt = int(used.get("prompt_tokens", 0))
    completion = int(used["completion_tokens"]) if used.get("source") == "model" else count_tokens(content)
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    return Reply(content=content, finish=finish, usage=usage, verification=done.get("verification"))


def _task_reply(body: CompletionRequest, question: str, history: list[Message]) -> Reply | None:
    task = recognise(question)
    if task is None:
        return None
    earlier = [m.content for m in history if m.role == "user"]
    content, finish = _cut(answer_task(task, question, body.model, earlier), body.stops(), body.token_cap())
    prompt, completion = count_tokens(question), count_tokens(content)
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    return Reply(content=content, finish=finish, usage=usage)


class _Chunks:
    def __init__(self, body: CompletionRequest) -> None:
        self.body, self.ident, self.created = body, "chatcmpl-" + uuid.uuid4().hex[:20], int(time.time())

    def completion(self, reply: Reply) -> dict[str, Any]:
        message = {"role": "assistant", "content": reply.content}
        return {
            "id": self.ident,
            "object": "chat.completion",
            "created": self.created,
            "model": self.body.model,
            "choices": [{"index": 0, "finish_reason": reply.finish, "message": message}],
            "usage": reply.usage,
        }

    def chunk(self, delta: dict[str, Any], finish: str | None = None, usage: dict | None = None) -> str:
        choices = [] if usage is not None else [{"index": 0, "delta": delta, "finish_reason": finish}]
        payload: dict[str, Any] = {
            "id": self.ident,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.body.model,
            "choices": choices,
        }
        if usage is not None:
            payload["usage"] = usage
        return f"data: {json.dumps(payload)}\n\n"

    def ending(self, reply: Reply) -> list[str]:
        text = reply.content
        frames = [self.chunk({"content": text[i : i + CHUNK_CHARS]}) for i in range(0, len(text), CHUNK_CHARS)]
        frames.append(self.chunk({}, reply.finish))
        if self.body.stream_options and self.body.stream_options.include_usage:
            frames.append(self.chunk({}, usage=reply.usage))
        return frames


def _error_frame(exc: BaseException) -> str:
    code, detail = failure(exc)
    kind = "invalid_request_error" if code.status < 500 else "server_error"
    return f"data: {json.dumps({'error': {'message': detail, 'type': kind, 'code': code.value, 'param': None}})}\n\n"


@router.post("/chat/completions")
async def completions(body: CompletionRequest, s: Annotated[State, Depends(state)]) -> Any:
    """An answer from project `model`, verified before it is sent (see the module docstring)."""
    _refuse_unusable(body)
    _check_size(body)
    question, history, system = _split(body)
    try:
        reach(s.store, lambda: s.store.require(body.model))
    except CopilotError as exc:
        raise OpenAIProblem(exc.code, exc.detail, "model" if exc.code is ErrorCode.not_found else None) from exc
    frames = _Chunks(body)
    task = _task_reply(body, question, history)
    if task is not None and not body.stream:
        return frames.completion(task)
    options = AnswerOptions(system=system, temperature=body.temperature, max_tokens=body.token_cap(), stop=body.stops())
    model = get_model(s.settings)

    def events() -> Any:
        return chat_events(s.store, body.model, question, model, history, options=options)

    if not body.stream:
        return frames.completion(_reply(await run_in_threadpool(answer_once, events()), body))

    async def stream() -> AsyncIterator[str]:
        yield frames.chunk({"role": "assistant", "content": ""})
        try:
            if task is not None:
                for frame in frames.ending(task):
                    yield frame
            else:
                async for event in drain(events(), HEARTBEAT_S):
                    if event is None:
                        yield ": ping\n\n"  # SSE comment: clients skip it, proxies see traffic
                    elif event["type"] == "done":
                        for frame in frames.ending(_reply(event, body)):
                            yield frame
        except Exception as exc:  # noqa: BLE001 - an error frame and a clean end, never a cut connection
            yield _error_frame(exc)
        yield "data: [DONE]\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


def _model_card(project: str) -> dict[str, Any]:
    return {"id": project, "object": "model", "created": 0, "owned_by": "pm-copilot"}


@router.get("/models")
def models(s: Annotated[State, Depends(state)]) -> dict[str, Any]:
    """Projects as models, so OpenAI-speaking front ends can list what to talk to."""
    return {"object": "list", "data": [_model_card(p) for p in reach(s.store, s.store.projects)]}


@router.get("/models/{model_id}")
def model(model_id: str, s: Annotated[State, Depends(state)]) -> dict[str, Any]:
    """One project as a model (404 in OpenAI's shape when there is none)."""
    if model_id not in reach(s.store, s.store.projects):
        raise OpenAIProblem(ErrorCode.not_found, f"no project {model_id!r}; GET /v1/models lists them", "model")
    return _model_card(model_id)
