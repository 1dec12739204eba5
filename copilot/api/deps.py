"""What routes depend on: the app state, and the filter of every route that filters, generated from
store/filters.py so the API takes exactly the filters the CLI takes, under the same names."""

from __future__ import annotations

import datetime as dt
import inspect
from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import ValidationError

from copilot.api.state import State, state
from copilot.errors import CopilotError, ErrorCode
from copilot.store.filters import FILTER_FIELDS, FilterField, SearchFilter


def _annotation(f: FilterField) -> tuple[Any, Any]:
    if f.kind == "date":
        return Annotated[dt.date | None, Query(description=f.help)], None
    if f.kind == "flag":
        return Annotated[bool, Query(description=f.help)], False
    return Annotated[list[str] | None, Query(description=f.help)], None


def _filters(**values: Any) -> SearchFilter:
    try:
        return SearchFilter(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CopilotError(ErrorCode.bad_filter, f"{first['loc'][0]}: {first['msg']}") from exc


_filters.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(f.field, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for f in FILTER_FIELDS
        for annotation, default in [_annotation(f)]
    ]
)

AppState = Annotated[State, Depends(state)]
Filters = Annotated[SearchFilter, Depends(_filters)]
