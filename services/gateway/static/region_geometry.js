// Region editor geometry: points in the camera's source pixels (the space the API stores), the
// conversion from a pointer on the scaled picture, and polygon edits that keep 3 points or more.
"use strict";

export const MIN_POINTS = 3;
export const MAX_POINTS = 100;

export function clamp(value, low, high) {
  return Math.max(low, Math.min(high, value));
}

// The source pixel under a pointer event's client position (the SVG's viewBox is the source size).
export function sourcePoint(svg, clientX, clientY, size) {
  const matrix = svg.getScreenCTM();
  if (!matrix) {
    return null;
  }
  const point = new DOMPoint(clientX, clientY).matrixTransform(matrix.inverse());
  return {
    x: clamp(Math.round(point.x), 0, size.width),
    y: clamp(Math.round(point.y), 0, size.height),
  };
}

// Screen pixels per source pixel, for handles that keep one size on screen.
export function screenScale(svg, size) {
  const width = svg.getBoundingClientRect().width;
  return width > 0 && size.width > 0 ? width / size.width : 1;
}

export function midpoint(a, b) {
  return { x: Math.round((a.x + b.x) / 2), y: Math.round((a.y + b.y) / 2) };
}

// The polygon's edges as [index of the first point, midpoint]; the last edge closes the shape.
export function edgeMidpoints(points) {
  return points.map(function (point, index) {
    return [index, midpoint(point, points[(index + 1) % points.length])];
  });
}

export function canRemovePoint(points) {
  return points.length > MIN_POINTS;
}

export function canInsertPoint(points) {
  return points.length < MAX_POINTS;
}

export function pointsAttribute(points) {
  return points.map(function (p) { return p.x + "," + p.y; }).join(" ");
}

// A point moved by (dx, dy) source pixels, kept on the picture.
export function nudged(point, dx, dy, size) {
  return { x: clamp(point.x + dx, 0, size.width), y: clamp(point.y + dy, 0, size.height) };
}
