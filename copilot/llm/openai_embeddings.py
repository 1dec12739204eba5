"""OpenAI (or any OpenAI-compatible server) embeddings, behind the same call shape as the bundled model."""

from __future__ import annotations

import numpy as np

from copilot.config import Settings
from copilot.errors import CopilotError, ErrorCode


class OpenAIEmbeddings:
    def __init__(self, settings: Settings) -> None:
        import openai

        if settings.openai_api_key is None and settings.openai_base_url is None:
            raise CopilotError(
                ErrorCode.config, "COPILOT_EMBEDDINGS=openai needs COPILOT_OPENAI_API_KEY (or COPILOT_OPENAI_BASE_URL)"
            )
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
        self._client = openai.OpenAI(api_key=key, base_url=settings.openai_base_url, timeout=60, max_retries=3)
        self.model = settings.openai_embedding_model

    def embed(self, texts: list[str]) -> np.ndarray:
        import openai

        try:
            out: list[list[float]] = []
            for i in range(0, len(texts), 512):
                resp = self._client.embeddings.create(model=self.model, input=texts[i : i + 512])
                out.extend(d.embedding for d in sorted(resp.data, key=lambda d: d.index))
        except openai.OpenAIError as exc:
            raise CopilotError(ErrorCode.embedding_failed, f"OpenAI embeddings ({self.model}) failed: {exc}") from exc
        arr = np.asarray(out, dtype=np.float32)
        return arr / np.maximum(np.linalg.norm(arr, axis=1, keepdims=True), 1e-12)
