"""What a user would run instead of VisionFlow: Ultralytics tracking on RTSP streams, plus a dwell rule.

    python -m bench.bare_ultralytics --weights W --streams cams.streams --vid-stride 5 --seconds 60

`YOLO(weights).track(source=<file listing the URLs>, stream=True, vid_stride=...)` (torch, as
installed), with the same zone engine VisionFlow uses applied to each stream's tracks; an alert's
time is the wall clock when the script raises it. Prints one JSON line per alert
(`{"stream": i, "t": unix time, "track": id}`), one per second of progress (`{"results": n}`),
and exits after `--seconds`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from services.detector.zones import TrackedObject, ZoneEngine, ZoneRule


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--streams", required=True, help="a .streams file, one RTSP URL per line")
    parser.add_argument("--vid-stride", type=int, default=5)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--zone", required=True, help="JSON list of [x, y] points")
    parser.add_argument("--dwell", type=float, default=3.0)
    args = parser.parse_args()
    os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp")
    from ultralytics import YOLO

    urls = [line.strip() for line in Path(args.streams).read_text().splitlines() if line.strip()]
    polygon = tuple((float(x), float(y)) for x, y in json.loads(args.zone))
    rule = ZoneRule(1, "zone", polygon, args.dwell, frozenset({"person"}))
    engines = {url: ZoneEngine([rule], grace_seconds=1.0) for url in urls}
    model = YOLO(args.weights)
    deadline = time.monotonic() + args.seconds
    last_report = time.monotonic()
    tracked = model.track(source=args.streams, stream=True, vid_stride=args.vid_stride, verbose=False)
    for results, result in enumerate(tracked, start=1):
        now = time.time()
        boxes = result.boxes
        objects: list[TrackedObject] = []
        if boxes is not None and boxes.id is not None:
            for box, track, conf, cls in zip(
                boxes.xyxy.tolist(), boxes.id.tolist(), boxes.conf.tolist(), boxes.cls.tolist(), strict=True
            ):
                name = str(result.names[int(cls)])
                objects.append(TrackedObject(int(track), name, float(conf), tuple(box)))
        engine = engines.get(str(result.path))
        if engine is not None:
            for alert in engine.update(now, objects):
                print(json.dumps({"stream": urls.index(str(result.path)), "t": now, "track": alert.track_id}))
        if time.monotonic() - last_report >= 1.0:
            last_report = time.monotonic()
            print(json.dumps({"results": results}), flush=True)
        if time.monotonic() > deadline:
            break
    sys.stdout.flush()
    os._exit(0)  # the stream loader's reader threads do not stop by themselves


if __name__ == "__main__":
    sys.exit(main())
