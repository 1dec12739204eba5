"""Hybrid search over the sample corpus: relevant, filtered, isolated per project."""

from __future__ import annotations

from pathlib import Path

import pytest

from copilot.store import open_store
from copilot.store.filters import SearchFilter
from tests.conftest import cli, write


def _search(*args: str) -> list[dict]:
    return cli("search", *args, "--project", "demo", "--json")["results"]


def test_hybrid_search_finds_the_pain_point(demo: Path) -> None:
    results = _search("CSV export times out", "-k", "10")
    assert len(results) == 10
    assert sum("export" in r["text"].lower() for r in results) >= 9
    assert set(results[0]) == {"id", "text", "score", "metadata"}
    assert results == sorted(results, key=lambda r: -r["score"])


@pytest.mark.parametrize("mode", ["hybrid", "semantic", "keyword"])
def test_filters_hold_in_every_mode(demo: Path, mode: str) -> None:
    results = _search(
        "slow dashboards",
        "--mode",
        mode,
        "--segment",
        "Enterprise",
        "--kind",
        "survey",
        "--since",
        "2026-06-01",
        "--until",
        "2026-08-31",
        "-k",
        "20",
    )
    assert results, mode
    for r in results:
        m = r["metadata"]
        assert (m["segment"], m["kind"]) == ("Enterprise", "survey")
        assert "2026-06-01" <= m["date"] <= "2026-08-31"


def test_source_filter_and_feedback_only(demo: Path) -> None:
    assert {r["metadata"]["source"] for r in _search("pricing", "--source", "app_reviews.csv")} == {"app_reviews.csv"}
    assert all(r["metadata"]["kind"] != "research" for r in _search("competitors free viewer seats", "--feedback-only"))
    research = _search("competitors free viewer seats", "--kind", "research")
    assert research[0]["metadata"]["kind"] == "research"


def test_keyword_mode_matches_exact_terms(demo: Path) -> None:
    results = _search("SCIM deprovisioning", "--mode", "keyword", "-k", "5")
    assert all("scim" in r["text"].lower() or "deprovision" in r["text"].lower() for r in results)


def test_one_result_per_record_and_diverse_results(demo: Path) -> None:
    plain = _search("mobile app offline", "-k", "8")
    diverse = _search("mobile app offline", "-k", "8", "--diverse")
    for results in (plain, diverse):
        assert len({r["id"] for r in results}) == len(results)
    assert len({r["text"].lower()[:40] for r in diverse}) >= len({r["text"].lower()[:40] for r in plain})


def test_stats_count_by_source_kind_and_segment(demo: Path) -> None:
    stats = cli("stats", "--project", "demo", "--json")
    assert stats["records"] == sum(stats["by_source"].values()) > 4500
    assert stats["by_kind"]["interview"] == 7 and stats["by_kind"]["research"] == 5
    assert set(stats["by_segment"]) >= {"SMB", "Mid-Market", "Enterprise"}
    assert stats["embedding_model"] == "wordllama/l2_supercat-256"


def test_projects_are_isolated(tmp_path: Path) -> None:
    cli("ingest", str(write(tmp_path / "a.csv", "id,feedback\n1,Kanban boards are delightful\n")), "--project", "alpha")
    cli("ingest", str(write(tmp_path / "b.csv", "id,feedback\n1,Invoices arrive late\n")), "--project", "beta")
    for project, own in (("alpha", "Kanban"), ("beta", "Invoices")):
        results = cli("search", "kanban invoices boards late", "--project", project, "--json")["results"]
        assert [r["text"].split()[0] for r in results] == [own]
    assert cli("projects", "--json") == {"projects": ["alpha", "beta"]}


def test_keyword_index_follows_new_ingests(tmp_path: Path) -> None:
    cli("ingest", str(write(tmp_path / "a.csv", "id,feedback\n1,Kanban boards are delightful\n")), "--project", "k")
    assert cli("search", "webhooks", "--project", "k", "--mode", "keyword", "--json")["results"] == []
    cli("ingest", str(write(tmp_path / "b.csv", "id,feedback\n2,Webhooks arrive hours late\n")), "--project", "k")
    hits = cli("search", "webhooks", "--project", "k", "--mode", "keyword", "--json")["results"]
    assert [h["text"] for h in hits] == ["Webhooks arrive hours late"]


def test_embedding_model_mismatch_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli("ingest", str(write(tmp_path / "a.csv", "id,feedback\n1,Search is slow\n")), "--project", "p")
    monkeypatch.setenv("COPILOT_EMBEDDINGS", "openai")
    monkeypatch.setenv("COPILOT_OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # never called: refused before
    from copilot.config import reset_settings

    reset_settings()
    out = cli("search", "slow", "--project", "p", "--json", expect=1)
    assert out["error_code"] == "embedding_mismatch"
    assert "wordllama/l2_supercat-256" in out["detail"] and "openai/text-embedding-3-small" in out["detail"]


def test_second_writer_gets_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from filelock import FileLock

    from copilot.config import get_settings, reset_settings

    monkeypatch.setenv("COPILOT_LOCK_TIMEOUT_S", "0.2")
    reset_settings()
    path = write(tmp_path / "a.csv", "id,feedback\n1,Search is slow\n")
    store = open_store()
    with FileLock(str(get_settings().data_dir / "chroma.write.lock")):
        out = cli("ingest", str(path), "--project", "p", "--json", expect=1)
    assert out["error_code"] == "locked" and "COPILOT_CHROMA_URL" in out["detail"]
    assert store.projects() == []
    cli("ingest", str(path), "--project", "p", "--json")  # and once the other writer is done, it works


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("exports time out", {"segment": ["Enterprise"]}),
        ("too expensive per seat", {"plan": ["Starter", "Team"], "kind": ["survey"]}),
        ("offline mobile app", {"source": ["interviews/2026-09-fieldcraft-services.md"]}),  # narrow: Chroma's where
    ],
)
def test_filtered_semantic_search_equals_chromas_own_filter(demo: Path, query: str, filters: dict) -> None:
    from copilot.store.filters import SearchFilter, where
    from copilot.store.search import keyword_index, semantic

    store = open_store()
    f = SearchFilter(**filters)
    qvec = store.embedder.embed([query])
    ours, _ = semantic(store, "demo", qvec, 20, f, keyword_index(store, "demo"))
    theirs, _ = store.query("demo", qvec, 20, where=where(f))
    assert ours and len(set(ours) & set(theirs)) >= 0.9 * len(theirs)
    assert ours[:5] == theirs[:5]


def test_langchain_retriever_honours_k_per_call_and_carries_the_record_id(demo: Path) -> None:
    import asyncio

    from langchain_core.documents import Document
    from langchain_core.runnables import RunnableLambda

    from copilot.store.langchain_retriever import CopilotRetriever

    store = open_store()
    retriever = CopilotRetriever(store=store, project="demo", k=6)
    assert len(retriever.invoke("CSV export times out")) == 6
    three = retriever.invoke("CSV export times out", k=3)
    assert len(three) == 3 and all(isinstance(d, Document) for d in three)
    assert len(asyncio.run(retriever.ainvoke("CSV export times out", k=2))) == 2
    for doc in three:
        assert doc.id == doc.metadata["record_id"]
        assert doc.page_content in store.get_record("demo", doc.id).text

    # In a chain, as LangChain users compose it: the ids survive to whatever cites them.
    def ids(docs: list[Document]) -> list[str | None]:
        return [d.id for d in docs]

    chain = retriever | RunnableLambda(ids)
    assert chain.invoke("CSV export times out") == [d.id for d in retriever.invoke("CSV export times out")]
    with pytest.raises(TypeError, match="top_k"):
        retriever.invoke("CSV export times out", top_k=3)  # a misspelt option is refused, not silently ignored


def test_langchain_retriever_returns_cited_documents(demo: Path) -> None:
    from copilot.store.langchain_retriever import CopilotRetriever

    store = open_store()
    retriever = CopilotRetriever(store=store, project="demo", k=5, filters=SearchFilter(segment=["Enterprise"]))
    docs = retriever.invoke("SSO setup with Okta")
    assert len(docs) == 5
    for doc in docs:
        assert doc.metadata["segment"] == "Enterprise"
        record = store.get_record("demo", doc.metadata["record_id"])
        assert doc.page_content in record.text


@pytest.mark.server
def test_search_over_a_chroma_server_that_went_away_is_503_store_unreachable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from copilot.config import Settings, reset_settings
    from copilot.ingest.pipeline import ingest
    from tests.api_server import api_server
    from tests.test_store_failures import ChromaServer

    chroma = ChromaServer(tmp_path / "server-db", tmp_path / "chroma.log")
    settings = Settings(data_dir=tmp_path / "data", chroma_url=chroma.start())
    rows = "id,feedback,segment\n1,The CSV export times out,SMB\n2,Pricing is too high,Enterprise\n"
    ingest(open_store(settings), [write(tmp_path / "f.csv", rows)], "t")
    asks: list[dict[str, str]] = [
        {"q": "export"},
        {"q": "export", "mode": "semantic"},
        {"q": "export", "mode": "keyword"},
        {"q": "export", "segment": "smb", "diverse": "true"},
    ]
    try:
        with api_server(settings) as url:
            assert httpx.get(f"{url}/v1/projects/t/search", params=asks[0], timeout=30).json()["results"]
            chroma.kill()
            for params in asks:
                down = httpx.get(f"{url}/v1/projects/t/search", params=params, timeout=30)
                assert down.status_code == 503, (params, down.text)
                assert down.json()["error_code"] == "store_unreachable"
                assert "Chroma server" in down.json()["detail"] and "Start it again" in down.json()["detail"]
        monkeypatch.setenv("COPILOT_DATA_DIR", str(settings.data_dir))
        monkeypatch.setenv("COPILOT_CHROMA_URL", settings.chroma_url or "")
        reset_settings()
        out = cli("search", "export", "--project", "t", "--json", expect=1)
        assert out["error_code"] == "store_unreachable"
    finally:
        chroma.kill()
