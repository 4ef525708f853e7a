"""Detector service: batched YOLO inference, per-camera tracking, zone alerts and annotated frames."""
