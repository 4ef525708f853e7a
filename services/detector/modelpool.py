"""The loaded models, one per model name, loaded off the event loop on first use."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from services.detector.backends import InferenceModel, load_model
from services.detector.registry import DEFAULT_MODEL, ModelUnavailableError, resolve_weights

log = logging.getLogger(__name__)


class ModelPool:
    """Model name -> loaded model; an unknown name is served by the default model (logged once)."""

    def __init__(self, *, models_dir: Path, backend: str, device: str, imgsz: int, max_batch: int) -> None:
        self.models_dir = models_dir
        self.backend = backend
        self.device = device
        self.imgsz = imgsz
        self.max_batch = max_batch
        self._models: dict[str, InferenceModel] = {}
        self._aliases: dict[str, str] = {}
        self._lock = asyncio.Lock()

    def loaded(self) -> list[InferenceModel]:
        return [self._models[name] for name in sorted(self._models)]

    async def get(self, model_name: str) -> InferenceModel:
        name = self._aliases.get(model_name, model_name or DEFAULT_MODEL)
        model = self._models.get(name)
        if model is not None:
            return model
        async with self._lock:
            if name in self._models:
                return self._models[name]
            try:
                weights = resolve_weights(name, self.models_dir)
            except ModelUnavailableError as error:
                if name == DEFAULT_MODEL:
                    raise
                log.warning("model %s unavailable (%s); cameras using it get %s", name, error, DEFAULT_MODEL)
                self._aliases[model_name] = name = DEFAULT_MODEL
                if name in self._models:
                    return self._models[name]
                weights = resolve_weights(name, self.models_dir)
            model = await asyncio.to_thread(
                load_model,
                weights,
                backend=self.backend,
                device=self.device,
                imgsz=self.imgsz,
                max_batch=self.max_batch,
                cache_dir=self.models_dir,
            )
            self._models[name] = model
            return model

    def close(self) -> None:
        for model in self._models.values():
            model.close()
        self._models.clear()
