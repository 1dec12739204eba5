"""Chat over Server-Sent Events; the OpenAI-compatible endpoints live in copilot.api.openai_compat and are
mounted with this router.

The answer (copilot.chat.answer) runs in a worker thread, one event at a time: when the client goes away the
stream is cancelled, the generator is closed, and generation stops. With a model, the answer is verified before
its first word is sent; `live: true` streams it as written and the done event carries the verdict (and, when it
failed, the extractive answer that replaces it). Any failure after the stream started is an `error` event, and
the stream ends cleanly.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from starlette.responses import StreamingResponse

from copilot.api import openai_compat
from copilot.api.state import State, guarded, state
from copilot.api.streaming import drain, failure
from copilot.chat.answer import AnswerOptions, chat_events
from copilot.chat.evidence import reach
from copilot.chat.markdown import inert
from copilot.llm.registry import get_model

router = APIRouter(prefix="/v1", dependencies=[Depends(guarded)])
HEARTBEAT_S = 15


class ChatRequest(BaseModel):
    message: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = None
    provider: Literal["extractive", "openai", "local", "fake"] | None = None
    live: bool = Field(
        False,
        description="Stream a model's words as it writes them; the done event then says whether they passed "
        "verification (and replaces them when they did not). By default an answer is verified before it is sent.",
    )


def _remembered(s: State, project: str, body: ChatRequest) -> Iterator[dict[str, Any]]:
    conv, earlier = s.history.begin(project, body.conversation_id, body.message)
    model = get_model(s.settings, body.provider)
    events = chat_events(s.store, project, body.message, model, earlier, conv, AnswerOptions(live=body.live))
    for event in events:
        if event["type"] == "done":
            s.history.add(conv, "assistant", event["answer"], event["citations"])
        yield event


def _shown(event: dict[str, Any]) -> dict[str, Any]:
    """Customer text in the answer cannot load an image or make a link where the client renders Markdown (the
    deltas come that way from the answer)."""
    if event["type"] == "done":
        return event | {"answer": inert(event["answer"])}
    return event


@router.post("/projects/{project}/chat", response_class=StreamingResponse)
async def chat(project: str, body: ChatRequest, s: Annotated[State, Depends(state)]) -> StreamingResponse:
    """A streamed answer as Server-Sent Events: `data: {json}` frames typed meta, delta, citation, done or error,
    and a `: ping` comment as a heartbeat while nothing else is sent."""
    reach(s.store, lambda: s.store.require(project))  # an unknown project is a 404 before the stream starts

    async def frames() -> AsyncIterator[str]:
        # Framed here rather than with sse-starlette: measured, its machinery cost about 8 ms a request.
        try:
            async for event in drain(_remembered(s, project, body), HEARTBEAT_S):
                yield ": ping\n\n" if event is None else f"data: {json.dumps(_shown(event))}\n\n"
        except Exception as exc:  # noqa: BLE001 - the documented error event, then a clean end
            code, detail = failure(exc)
            yield f"data: {json.dumps({'type': 'error', 'error_code': code.value, 'detail': detail})}\n\n"

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(frames(), media_type="text/event-stream", headers=headers)


# Under the same prefix and key check; the OpenAI routes keep their own route class (OpenAI's error shape).
router.include_router(openai_compat.router)
