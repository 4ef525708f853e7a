// The API's VALIDATION_ERROR for a list of regions, taken apart by region and field. The gateway
// writes "regions.0.alert_duration: reason", the camera service "regions[0].coordinates[2].x:
// reason"; several problems are joined by "; ".
"use strict";

const PROBLEM = /^regions(?:\.(\d+))?(?:\.([a-z_]+))?((?:\.\d+)?(?:\.[xy])?): ([\s\S]+)$/;

// ".2.x" (zero-based) -> "#3 x", as the coordinate list numbers its points.
function pointLabel(suffix) {
  const parts = String(suffix || "").split(".").filter(Boolean);
  if (!parts.length) {
    return "";
  }
  const index = /^\d+$/.test(parts[0]) ? "#" + (Number(parts.shift()) + 1) : "";
  return [index].concat(parts).filter(Boolean).join(" ");
}

// {regions: [{field: reason}] by region index, rest: [text no region field took]}.
export function regionProblems(message) {
  const regions = [];
  const rest = [];
  String(message || "").split("; ").forEach(function (part) {
    const plain = part.trim().replace(/\[(\d+)\]/g, ".$1");
    const match = PROBLEM.exec(plain);
    if (!match || match[1] === undefined || !match[2]) {
      if (part.trim()) {
        rest.push(part.trim());
      }
      return;
    }
    const index = Number(match[1]);
    const where = pointLabel(match[3]);
    regions[index] = regions[index] || {};
    const reason = where ? where + ": " + match[4] : match[4];
    const field = match[2];
    regions[index][field] = regions[index][field] ? regions[index][field] + "; " + reason : reason;
  });
  return { regions: regions, rest: rest };
}
