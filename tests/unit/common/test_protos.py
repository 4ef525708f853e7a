"""The committed stubs in visionflow/v1 match what grpcio-tools generates from protos/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_generated_stubs_are_up_to_date(tmp_path: Path) -> None:
    protos = sorted((ROOT / "protos" / "visionflow" / "v1").glob("*.proto"))
    assert protos, "no .proto files found"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{ROOT / 'protos'}",
            f"--python_out={tmp_path}",
            f"--pyi_out={tmp_path}",
            f"--grpc_python_out={tmp_path}",
            *map(str, protos),
        ],
        check=True,
    )
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.py*") if p.is_file())
    assert len(generated) == 3 * len(protos)
    stale = [str(rel) for rel in generated if (ROOT / rel).read_bytes() != (tmp_path / rel).read_bytes()]
    assert not stale, f"stale stubs (run `make protos`): {stale}"


def test_opencv_is_a_4x_build() -> None:
    # OpenCV 5.0 wheels lack HOGDescriptor/CascadeClassifier; the lock pins 4.x (OFFLINE.md).
    import cv2

    assert cv2.__version__.startswith("4."), cv2.__version__
