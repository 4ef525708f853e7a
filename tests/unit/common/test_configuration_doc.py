"""docs/configuration.md names every setting of every service, so operators can find it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SETTINGS = [
    "visionflow.config:CommonSettings",
    "services.auth.config:AuthSettings",
    "services.camera.config:CameraSettings",
    "services.ingest.config:IngestSettings",
    "services.detector.config:DetectorSettings",
    "services.notifier.config:NotifierSettings",
    "services.gateway.config:GatewaySettings",
]


@pytest.mark.parametrize("dotted", SETTINGS)
def test_every_setting_is_documented(dotted: str) -> None:
    module, name = dotted.split(":")
    settings_class = getattr(importlib.import_module(module), name)
    doc = (ROOT / "docs" / "configuration.md").read_text()
    missing = [
        f"VF_{field.upper()}" for field in settings_class.model_fields if f"`VF_{field.upper()}`" not in doc
    ]
    assert not missing, f"add to docs/configuration.md: {missing}"
