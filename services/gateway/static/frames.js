// Stills of a camera for thumbnails: the raw snapshot (GET /snapshot/<id>.jpg), or the first
// frame of the recognized MJPEG stream (read until one JPEG part is complete, then the request is
// cancelled, so a grid of thumbnails never holds the browser's few connections open).
"use strict";

(function () {
  const CRLFCRLF = [13, 10, 13, 10];

  function indexOf(bytes, pattern, from) {
    outer: for (let i = from || 0; i <= bytes.length - pattern.length; i += 1) {
      for (let j = 0; j < pattern.length; j += 1) {
        if (bytes[i + j] !== pattern[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  // The first complete JPEG of a multipart/x-mixed-replace body read so far, or null.
  function firstPart(bytes) {
    const end = indexOf(bytes, CRLFCRLF, 0);
    if (end < 0) {
      return null;
    }
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, end));
    const length = /content-length:\s*(\d+)/i.exec(head);
    if (!length) {
      return null;
    }
    const start = end + CRLFCRLF.length;
    const size = Number(length[1]);
    return bytes.length >= start + size ? bytes.slice(start, start + size) : null;
  }

  function join(a, b) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  // A Blob with the first frame of an MJPEG stream, or null (no frame within timeoutMs, or an error).
  async function firstFrame(path, token, timeoutMs) {
    const controller = new AbortController();
    const timer = window.setTimeout(function () { controller.abort(); }, timeoutMs);
    try {
      const response = await fetch(path, {
        headers: { Authorization: "Bearer " + token },
        signal: controller.signal,
        cache: "no-store",
      });
      if (!response.ok || !response.body) {
        return null;
      }
      const reader = response.body.getReader();
      let bytes = new Uint8Array(0);
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) {
          return null;
        }
        bytes = join(bytes, chunk.value);
        const jpeg = firstPart(bytes);
        if (jpeg) {
          return new Blob([jpeg], { type: "image/jpeg" });
        }
      }
    } catch (ignored) {
      return null;
    } finally {
      window.clearTimeout(timer);
      controller.abort();
    }
  }

  // A Blob with the camera's current raw frame, or null.
  async function snapshot(cameraId, token) {
    try {
      const response = await fetch("/snapshot/" + cameraId + ".jpg", {
        headers: { Authorization: "Bearer " + token },
        cache: "no-store",
      });
      return response.ok ? await response.blob() : null;
    } catch (ignored) {
      return null;
    }
  }

  window.VF = window.VF || {};
  window.VF.frames = { firstFrame: firstFrame, firstPart: firstPart, snapshot: snapshot };
})();
