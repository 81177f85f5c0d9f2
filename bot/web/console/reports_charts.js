// SVG charts drawn by the page: bars, a heatmap, a sparkline. No library, no CDN.

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attributes = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== null) node.textContent = text;
  return node;
}

// Horizontal bars: [{label, value}], with the value printed at the end of each bar.
export function barChart(rows, { width = 420, color = "#2f7d6d", format = String } = {}) {
  const barHeight = 22, labelWidth = 170, gap = 6;
  const height = Math.max(1, rows.length) * (barHeight + gap);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart bars", role: "img" });
  const top = Math.max(1, ...rows.map((row) => row.value));
  rows.forEach((row, index) => {
    const y = index * (barHeight + gap);
    const length = ((width - labelWidth - 60) * row.value) / top;
    chart.append(svg("text", { x: 0, y: y + 15, class: "label" }, row.label));
    chart.append(svg("rect", { x: labelWidth, y, width: Math.max(1, length), height: barHeight, fill: color, rx: 3 }));
    chart.append(svg("text", { x: labelWidth + length + 6, y: y + 15, class: "value" }, format(row.value)));
  });
  return chart;
}

// Vertical bars for the 1-5 ratings.
export function columnChart(counts, { width = 260, height = 140, color = "#4a6fa5" } = {}) {
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height + 34}`, class: "chart columns", role: "img" });
  const keys = Object.keys(counts);
  const top = Math.max(1, ...Object.values(counts));
  const slot = width / keys.length;
  keys.forEach((key, index) => {
    const barHeight = (height * counts[key]) / top;
    const x = index * slot + slot * 0.15;
    chart.append(svg("rect", { x, y: height - barHeight + 14, width: slot * 0.7, height: barHeight, fill: color, rx: 2 }));
    chart.append(svg("text", { x: x + slot * 0.35, y: height + 30, class: "axis", "text-anchor": "middle" }, key));
    chart.append(svg("text", { x: x + slot * 0.35, y: height - barHeight + 10, class: "value", "text-anchor": "middle" }, String(counts[key])));
  });
  return chart;
}

// Day-of-week x hour grid; cells in `outline` get a dark border.
export function heatmap(grid, days, { hue = 14, outline = null, title = "" } = {}) {
  const cell = 16, left = 34, top = 16;
  const chart = svg("svg", { viewBox: `0 0 ${left + 24 * cell + 4} ${top + 7 * cell + 4}`, class: "chart heatmap", role: "img" });
  chart.append(svg("title", {}, title));
  const peak = Math.max(1e-9, ...grid.flat());
  for (let hour = 0; hour < 24; hour += 3) {
    chart.append(svg("text", { x: left + hour * cell + 2, y: 11, class: "axis" }, String(hour).padStart(2, "0")));
  }
  grid.forEach((row, day) => {
    chart.append(svg("text", { x: 0, y: top + day * cell + 12, class: "axis" }, days[day]));
    row.forEach((value, hour) => {
      const light = 96 - Math.round((value / peak) * 58);
      const rect = svg("rect", {
        x: left + hour * cell, y: top + day * cell, width: cell - 1, height: cell - 1,
        fill: `hsl(${hue} 70% ${light}%)`,
      });
      if (outline && outline[day][hour]) rect.setAttribute("class", "short");
      rect.append(svg("title", {}, `${days[day]} ${String(hour).padStart(2, "0")}:00 — ${value}`));
      chart.append(rect);
    });
  });
  return chart;
}

// A small line of counts per day.
export function sparkline(points, { width = 140, height = 28 } = {}) {
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart spark", role: "img" });
  if (points.length === 0) return chart;
  const top = Math.max(1, ...points);
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  const path = points.map((value, index) => `${index ? "L" : "M"}${(index * step).toFixed(1)},${(height - 2 - ((height - 4) * value) / top).toFixed(1)}`);
  chart.append(svg("path", { d: path.join(" "), fill: "none", stroke: "#b5533c", "stroke-width": 1.6 }));
  return chart;
}
