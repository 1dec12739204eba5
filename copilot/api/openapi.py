"""The OpenAPI document, completed where a route answers with a plain Response: drafts (one schema per
registered kind, told apart by `kind`), job results, and the OpenAI-compatible replies. Generated clients get
real types, and the bearer scheme (from `state.bearer`) so they send the key."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from copilot.drafts import registry
from copilot.models import IngestReport
from copilot.survey.schema import SurveyReport

PHANTOM = "/_schema/"
TEXT = {"schema": {"type": "string"}}


class ModelCard(BaseModel):
    """A project, as OpenAI-speaking clients list models."""

    id: str = Field(description="The project name: send it as `model`.")
    object: Literal["model"] = "model"
    created: int
    owned_by: str


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard] = Field(description="The projects this API key may use.")


class CompletionMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class CompletionChoice(BaseModel):
    index: int
    finish_reason: Literal["stop", "length"]
    message: CompletionMessage


class CompletionUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """A non-streamed answer; with `stream: true` the same arrives as `chat.completion.chunk` SSE frames."""

    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: CompletionUsage


class DiscoveryResult(BaseModel):
    """What a discovery job found (the result of a `discover` job)."""

    version: int
    topics: dict[str, dict[str, Any]] = Field(description="By topic id: keywords, labels, stability.")
    subtopics: dict[str, dict[str, Any]] = Field(description="By subtopic id (topic/sub): keywords, labels, topic.")
    discovered: dict[str, Any] = Field(description="When and how: records, embedding, clustering measures.")


def _schemas(models: dict[str, Any]) -> list[APIRoute]:
    """Routes that exist only while the document is built, one per response type: FastAPI then names and
    writes these schemas exactly as it does every other, shared models included."""

    def nothing() -> None:
        return None

    return [APIRoute(f"{PHANTOM}{name}", nothing, response_model=model) for name, model in models.items()]


def _take(spec: dict[str, Any], name: str) -> dict[str, Any]:
    op = spec["paths"].pop(f"{PHANTOM}{name}")["get"]
    schema: dict[str, Any] = op["responses"]["200"]["content"]["application/json"]["schema"]
    schema.pop("title", None)  # the phantom route's name
    return schema


def _drafts(schema: dict[str, Any], op: dict[str, Any]) -> None:
    op["responses"]["200"]["content"] = {"application/json": {"schema": schema}, "text/markdown": TEXT}
    op["responses"]["200"]["description"] = "The draft of that kind (JSON), or its Markdown with Accept: text/markdown"


def _job_result(schema: dict[str, Any], op: dict[str, Any]) -> None:
    op["responses"]["200"]["content"] = {
        "application/json": {"schema": schema},
        "text/markdown": TEXT,
        "text/html": TEXT,
    }
    op["responses"]["200"]["description"] = (
        "The job's result: an ingest job's IngestReport, a discover job's DiscoveryResult, a survey report's "
        "SurveyReport (`format=md` or `html` for the report as Markdown or HTML)"
    )


def _openai(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    completions = paths["/v1/chat/completions"]["post"]["responses"]["200"]
    completions["content"] = {
        "application/json": {"schema": _take(spec, "completion")},
        "text/event-stream": {"schema": {"type": "string", "description": "`chat.completion.chunk` frames"}},
    }
    models = paths["/v1/models"]["get"]["responses"]["200"]
    models["content"] = {"application/json": {"schema": _take(spec, "models")}}
    one = paths["/v1/models/{model_id}"]["get"]["responses"]["200"]
    one["content"] = {"application/json": {"schema": _take(spec, "model")}}


def build(app: FastAPI) -> dict[str, Any]:
    kinds = tuple(k.schema for k in registry.kinds())
    drafts: Any = Annotated[Union[kinds], Field(discriminator="kind")]  # noqa: UP007 - a tuple of types
    results: Any = Union[IngestReport, DiscoveryResult, SurveyReport]  # noqa: UP007
    phantoms = _schemas(
        {"drafts": drafts, "results": results, "completion": ChatCompletion, "models": ModelList, "model": ModelCard}
    )
    spec = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=[*app.routes, *phantoms]
    )
    _drafts(_take(spec, "drafts"), spec["paths"]["/v1/projects/{project}/drafts/{kind}"]["post"])
    _job_result(_take(spec, "results"), spec["paths"]["/v1/jobs/{job_id}/result"]["get"])
    _openai(spec)
    return spec


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
