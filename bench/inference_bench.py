"""Inference options for the CPU path, measured on the same frames with the same detections.

A component bench (frames decoded beforehand, model only): the detector's ONNX export of the
default model, run through ONNX Runtime sessions built here with different options, at the
input sizes the detector can use (`VF_DETECTOR_IMGSZ`), and an int8 (QDQ, static, calibrated on
these frames) copy. Each row gives milliseconds per frame (median) and how well its people agree
with the reference (fp32, 640, all graph optimisations, default threads): recall of the
reference's boxes at IoU >= 0.5 and the mean IoU of those matches.

    python -m bench inference
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.detector_bench import make_frames
from bench.report import BenchResult
from services.detector.backends import export_onnx, prepare_ultralytics
from services.detector.config import DetectorSettings
from services.detector.registry import DEFAULT_MODEL, resolve_weights
from services.detector.zones import box_iou

FRAMES = 40
REPEATS = 3
CONF = 0.25
Box = tuple[float, float, float, float]


def _letterbox(image: np.ndarray, size: int) -> tuple[np.ndarray, float, tuple[int, int]]:
    """Scale to fit `size` (stride-32 rectangle, as Ultralytics does for dynamic exports)."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_w, new_h = round(width * scale), round(height * scale)
    pad_w, pad_h = (-new_w) % 32, (-new_h) % 32
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    canvas = cv2.copyMakeBorder(
        resized,
        pad_h // 2,
        pad_h - pad_h // 2,
        pad_w // 2,
        pad_w - pad_w // 2,
        cv2.BORDER_CONSTANT,
        value=114,
    )
    blob = canvas[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0
    return np.ascontiguousarray(blob), scale, (pad_w // 2, pad_h // 2)


def _people(output: np.ndarray, scale: float, pad: tuple[int, int]) -> list[Box]:
    """Boxes of one image's raw YOLO output (1, 4 + classes [+ keypoints], anchors), after NMS."""
    rows = output[0].T
    scores = rows[:, 4]
    keep = scores >= CONF
    boxes, scores = rows[keep, :4], scores[keep]
    if not len(scores):
        return []
    xywh = [[float(x - w / 2), float(y - h / 2), float(w), float(h)] for x, y, w, h in boxes]
    chosen = cv2.dnn.NMSBoxes(xywh, scores.tolist(), CONF, 0.7)
    people: list[Box] = []
    for index in np.array(chosen).flatten():
        x, y, w, h = xywh[int(index)]
        x1, y1 = (x - pad[0]) / scale, (y - pad[1]) / scale
        people.append((x1, y1, x1 + w / scale, y1 + h / scale))
    return people


def _agreement(reference: list[list[Box]], found: list[list[Box]]) -> tuple[float, float]:
    matched, total, ious = 0, 0, []
    for want, got in zip(reference, found, strict=True):
        total += len(want)
        for box in want:
            best = max((box_iou(box, other) for other in got), default=0.0)
            if best >= 0.5:
                matched += 1
                ious.append(best)
    return (matched / total if total else 1.0), (statistics.fmean(ious) if ious else 0.0)


def _session(path: Path, *, threads: int, level: str) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = {
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }[level]
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _run(session: Any, frames: list[np.ndarray], size: int) -> tuple[float, list[list[Box]]]:
    name = session.get_inputs()[0].name
    prepared = [_letterbox(frame, size) for frame in frames]
    session.run(None, {name: prepared[0][0]})  # warm-up
    per_frame: list[float] = []
    found: list[list[Box]] = []
    for repeat in range(REPEATS):
        for blob, scale, pad in prepared:
            started = time.perf_counter()
            output = session.run(None, {name: blob})[0]
            per_frame.append((time.perf_counter() - started) * 1000)
            if repeat == 0:
                found.append(_people(output, scale, pad))
    return statistics.median(per_frame), found


def _quantized(source: Path, frames: list[np.ndarray], size: int, work: Path) -> Path:
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self._blobs = iter([{"images": _letterbox(f, size)[0]} for f in frames[:16]])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self._blobs, None)

    prepared = work / "prepared.onnx"
    quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
    target = work / "int8.onnx"
    import onnx

    # The head's decoding (DFL, anchors, concatenated boxes and scores) stays in float: boxes in
    # pixels and scores in [0, 1] share one output tensor, which one int8 scale cannot hold.
    graph = onnx.load(str(prepared)).graph
    head = [n.name for n in graph.node if "/model.23/" in n.name and n.op_type != "Conv"]
    quantize_static(
        str(prepared),
        str(target),
        Reader(),
        quant_format=QuantFormat.QDQ,
        activation_type=QuantType.QUInt8,
        weight_type=QuantType.QInt8,
        per_channel=True,
        nodes_to_exclude=head,
    )
    return target


def measure() -> list[dict[str, Any]]:
    logging.getLogger("services").setLevel(logging.ERROR)
    prepare_ultralytics()
    settings = DetectorSettings()
    weights = resolve_weights(DEFAULT_MODEL, settings.weights_dir)
    onnx_file = export_onnx(weights.path, settings.weights_dir, settings.detector_imgsz)
    frames = make_frames(FRAMES)
    configs: list[tuple[str, int, int, str]] = [
        ("fp32", 640, 2, "all"),
        ("fp32", 640, 1, "all"),
        ("fp32", 640, 2, "basic"),
        ("fp32", 640, 2, "extended"),
        ("fp32", 480, 2, "all"),
        ("fp32", 416, 2, "all"),
        ("fp32", 320, 2, "all"),
    ]
    rows: list[dict[str, Any]] = []
    reference: list[list[Box]] | None = None
    for precision, size, threads, level in configs:
        ms, found = _run(_session(onnx_file, threads=threads, level=level), frames, size)
        reference = reference or found
        recall, iou = _agreement(reference, found)
        rows.append(
            dict(model=precision, imgsz=size, threads=threads, graph=level, ms=ms, recall=recall, iou=iou)
        )
    with tempfile.TemporaryDirectory() as tmp:
        try:
            int8 = _quantized(onnx_file, frames, 640, Path(tmp))
            for size in (640, 416):
                ms, found = _run(_session(int8, threads=2, level="all"), frames, size)
                assert reference is not None
                recall, iou = _agreement(reference, found)
                rows.append(
                    dict(model="int8", imgsz=size, threads=2, graph="all", ms=ms, recall=recall, iou=iou)
                )
        except Exception as error:  # noqa: BLE001 - report, do not fail the other rows
            rows.append(
                dict(
                    model=f"int8 failed: {error}",
                    imgsz=640,
                    threads=2,
                    graph="all",
                    ms=0.0,
                    recall=0.0,
                    iou=0.0,
                )
            )
    return rows


def run() -> BenchResult:
    rows = measure()
    reference = rows[0]["ms"]
    return BenchResult(
        name="inference",
        title=f"Inference options, ONNX Runtime on the CPU ({FRAMES} frames of 640x480, component figure)",
        columns=["model", "imgsz", "threads", "graph opt", "ms/frame", "x ref", "recall", "mean IoU"],
        rows=[
            [
                r["model"],
                r["imgsz"],
                r["threads"],
                r["graph"],
                r["ms"],
                reference / r["ms"] if r["ms"] else 0.0,
                r["recall"],
                r["iou"],
            ]
            for r in rows
        ],
        metrics={f"{r['model']}_{r['imgsz']}_{r['threads']}_{r['graph']}_ms": float(r["ms"]) for r in rows},
        goals={},
        notes=[
            "model only (pre- and post-processing excluded), frames decoded beforehand: a component figure",
            "recall/IoU: people of the reference row (fp32, 640, 2 threads, all) found again at IoU >= 0.5",
        ],
    )


if __name__ == "__main__":
    result = run()
    print(f"== {result.title} ==\n{result.table()}")
