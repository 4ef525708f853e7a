"""Detector test set-up: Ultralytics stays offline (no downloads, no pip) in this process."""

from __future__ import annotations

import os

os.environ["YOLO_OFFLINE"] = "1"
os.environ["YOLO_AUTOINSTALL"] = "false"
os.environ.setdefault("YOLO_VERBOSE", "false")
