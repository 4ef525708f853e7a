// Region editor picture layer: an SVG over the snapshot whose viewBox is the camera's source
// size, so what it draws and what pointers pick are in the pixels the API stores. It dims what
// the detector ignores (everything outside the regions, drawn here from the unsaved state),
// outlines every region (a click selects it), and gives the selected region's points handles
// to drag (mouse, pen, touch) or move with the arrow keys, and its edges midpoint handles that
// insert a point.
"use strict";

import {
  canInsertPoint, canRemovePoint, edgeMidpoints, nudged, pointsAttribute, screenScale, sourcePoint,
} from "./region_geometry.js";

const SVG_NS = "http://www.w3.org/2000/svg";
const MASK_ID = "vf-region-mask";
const COARSE_POINTER = "(pointer:coarse)";

function element(name, attributes) {
  const node = document.createElementNS(SVG_NS, name);
  Object.keys(attributes).forEach(function (key) {
    node.setAttribute(key, attributes[key]);
  });
  return node;
}

export class Overlay {
  constructor(svg, state, i18n) {
    this.svg = svg;
    this.state = state;
    this.i18n = i18n;
    this.showMask = true;
    this.drag = null; // {pointerId, index}
    svg.addEventListener("pointerdown", this.pointerDown.bind(this));
    svg.addEventListener("pointermove", this.pointerMove.bind(this));
    svg.addEventListener("pointerup", this.pointerUp.bind(this));
    svg.addEventListener("pointercancel", this.pointerUp.bind(this));
    svg.addEventListener("keydown", this.keyDown.bind(this));
    // Pressing on the picture must not move the focus away from the handle it just focused.
    svg.addEventListener("mousedown", function (event) { event.preventDefault(); });
    if (window.ResizeObserver) {
      new ResizeObserver(this.draw.bind(this)).observe(svg);
    }
  }

  // Handle radii in source pixels that stay a finger's (or a cursor's) size on screen.
  radii() {
    const coarse = window.matchMedia && window.matchMedia(COARSE_POINTER).matches;
    const scale = screenScale(this.svg, this.state.size);
    return { point: (coarse ? 14 : 8) / scale, middle: (coarse ? 10 : 6) / scale, label: 16 / scale };
  }

  draw() {
    const state = this.state;
    const size = state.size;
    const focusedPoint = this.focusedHandle();
    this.svg.setAttribute("viewBox", "0 0 " + size.width + " " + size.height);
    this.svg.classList.toggle("editing", state.drawing !== null || state.selected >= 0);
    this.svg.classList.toggle("drawing", state.drawing !== null);
    while (this.svg.firstChild) {
      this.svg.removeChild(this.svg.firstChild);
    }
    const radii = this.radii();
    if (this.showMask) {
      this.drawMask();
    }
    state.regions.forEach(function (region, index) {
      const selected = index === state.selected;
      const shape = element("polygon", {
        class: "region" + (selected ? " selected" : "") + (state.hasErrors(index) ? " invalid" : ""),
        points: pointsAttribute(region.coordinates),
        "data-region": index,
      });
      this.svg.appendChild(shape);
      const first = region.coordinates[0];
      const label = element("text", { class: "label", x: first.x, y: first.y - radii.label * 0.6,
        "font-size": radii.label, "aria-hidden": "true" });
      label.textContent = region.name;
      this.svg.appendChild(label);
    }, this);
    const region = state.current();
    if (region && state.drawing === null) {
      this.drawHandles(region, radii);
    }
    if (state.drawing) {
      this.drawDraft(state.drawing, radii);
    }
    if (focusedPoint !== null) {
      const handle = this.svg.querySelector('circle.point[data-point="' + focusedPoint + '"]');
      if (handle) {
        handle.focus();
      }
    }
  }

  // Dim everything but the union of the regions, as the detector's mask does.
  drawMask() {
    const size = this.state.size;
    const mask = element("mask", { id: MASK_ID, maskUnits: "userSpaceOnUse", x: 0, y: 0,
      width: size.width, height: size.height });
    mask.appendChild(element("rect", { x: 0, y: 0, width: size.width, height: size.height, fill: "white" }));
    this.state.regions.forEach(function (region) {
      mask.appendChild(element("polygon", { points: pointsAttribute(region.coordinates), fill: "black" }));
    });
    const defs = element("defs", {});
    defs.appendChild(mask);
    this.svg.appendChild(defs);
    this.svg.appendChild(element("rect", { class: "mask", x: 0, y: 0, width: size.width, height: size.height,
      mask: "url(#" + MASK_ID + ")", "aria-hidden": "true" }));
  }

  drawHandles(region, radii) {
    const points = region.coordinates;
    const i18n = this.i18n;
    if (canInsertPoint(points)) {
      edgeMidpoints(points).forEach(function (edge) {
        const handle = element("circle", { class: "middle", cx: edge[1].x, cy: edge[1].y, r: radii.middle,
          "data-edge": edge[0], "aria-hidden": "true" });
        this.svg.appendChild(handle);
      }, this);
    }
    const removable = canRemovePoint(points);
    points.forEach(function (point, index) {
      const handle = element("circle", {
        class: "point" + (index === this.state.point ? " current" : ""),
        cx: point.x, cy: point.y, r: radii.point, tabindex: 0, role: "button",
        "data-point": index,
        "aria-describedby": "stage-hint",
      });
      handle.setAttribute("aria-label", i18n.t(removable ? "regions.point_label" : "regions.point_label_min",
        { n: index + 1, x: point.x, y: point.y, region: region.name }));
      this.svg.appendChild(handle);
    }, this);
  }

  drawDraft(points, radii) {
    if (points.length > 1) {
      const shape = points.length >= 3 ? "polygon" : "polyline";
      this.svg.appendChild(element(shape, { class: "draft", points: pointsAttribute(points) }));
    }
    points.forEach(function (point, index) {
      this.svg.appendChild(element("circle", { class: "draft" + (index === 0 ? " first" : ""),
        cx: point.x, cy: point.y, r: radii.point * (index === 0 ? 1.3 : 0.8), "data-draft": index }));
    }, this);
  }

  focusedHandle() {
    const active = document.activeElement;
    return active && active.closest && this.svg.contains(active) && active.dataset.point !== undefined
      ? Number(active.dataset.point) : null;
  }

  pointAt(event) {
    return sourcePoint(this.svg, event.clientX, event.clientY, this.state.size);
  }

  pointerDown(event) {
    if (event.button !== undefined && event.button > 0) {
      return;
    }
    const state = this.state;
    const target = event.target;
    const at = this.pointAt(event);
    if (!at) {
      return;
    }
    if (state.drawing !== null) {
      event.preventDefault();
      if (target.dataset.draft === "0" && state.drawing.length >= 3) {
        this.svg.dispatchEvent(new CustomEvent("vf:finish-drawing"));
      } else {
        state.addDrawingPoint(at);
      }
      return;
    }
    if (target.dataset.point !== undefined) {
      event.preventDefault();
      this.startDrag(event, Number(target.dataset.point));
      state.selectPoint(Number(target.dataset.point));
      this.focusPoint(Number(target.dataset.point));
    } else if (target.dataset.edge !== undefined) {
      event.preventDefault();
      const after = Number(target.dataset.edge);
      if (state.insertAfter(after)) {
        this.startDrag(event, after + 1);
        this.focusPoint(after + 1);
      }
    } else if (target.dataset.region !== undefined) {
      state.select(Number(target.dataset.region));
    } else if (state.selected >= 0) {
      state.select(-1);
    }
  }

  startDrag(event, index) {
    this.drag = { pointerId: event.pointerId, index: index, moved: false };
    try {
      this.svg.setPointerCapture(event.pointerId);
    } catch (ignored) {
      // a synthetic event without an active pointer: dragging still follows moves over the picture
    }
  }

  pointerMove(event) {
    if (!this.drag || event.pointerId !== this.drag.pointerId) {
      return;
    }
    event.preventDefault();
    const at = this.pointAt(event);
    if (at) {
      this.drag.moved = true;
      this.state.movePoint(this.drag.index, at);
    }
  }

  pointerUp(event) {
    if (this.drag && event.pointerId === this.drag.pointerId) {
      if (this.svg.hasPointerCapture && this.svg.hasPointerCapture(event.pointerId)) {
        this.svg.releasePointerCapture(event.pointerId);
      }
      this.drag = null;
    }
  }

  focusPoint(index) {
    const handle = this.svg.querySelector('circle.point[data-point="' + index + '"]');
    if (handle) {
      handle.focus({ preventScroll: true });
    }
  }

  // Arrow keys move the focused point one pixel (ten with Shift); Delete or Backspace removes it;
  // Insert or + adds a point halfway to the next one.
  keyDown(event) {
    const target = event.target;
    if (target.dataset.point === undefined) {
      return;
    }
    const index = Number(target.dataset.point);
    const region = this.state.current();
    if (!region) {
      return;
    }
    const step = event.shiftKey ? 10 : 1;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (moves[event.key]) {
      event.preventDefault();
      const move = moves[event.key];
      this.state.movePoint(index, nudged(region.coordinates[index], move[0], move[1], this.state.size));
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      event.stopPropagation();
      if (this.state.removePoint(index)) {
        this.focusPoint(this.state.point);
      }
    } else if (event.key === "Insert" || event.key === "+") {
      event.preventDefault();
      if (this.state.insertAfter(index)) {
        this.focusPoint(this.state.point);
      }
    } else if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      this.state.selectPoint(index);
    }
  }
}
