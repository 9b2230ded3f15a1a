// @ts-check
// The charts on the page (state.charts): each one resizes with its container
// until it is dropped, and can be saved as a PNG.

import { chartPng, fitWidth } from '../charts.js';
import { download } from './dom.js';
import { state } from './state.js';

/** @typedef {import('./state.js').Chart} Chart */

/**
 * Adds a drawn chart: it follows its container's width from now on.
 * @param {string} name what the chart's download button names (data-chart)
 * @param {string} title
 * @param {HTMLElement} container
 * @param {Chart} chart
 */
export function addChart(name, title, container, chart) {
  state.charts.push({ chart, stop: fitWidth(chart, container), name, title });
}

/** Removes every chart. */
export function destroyCharts() {
  for (const { chart, stop } of state.charts) {
    stop();
    chart.destroy();
  }
  state.charts = [];
}

/**
 * Removes the named charts.
 * @param {string[]} names
 */
export function dropCharts(names) {
  for (const entry of state.charts.filter((c) => names.includes(c.name))) {
    entry.stop();
    entry.chart.destroy();
  }
  state.charts = state.charts.filter((c) => !names.includes(c.name));
}

/**
 * Saves the named chart as a PNG.
 * @param {string} name
 */
export async function downloadChart(name) {
  const entry = state.charts.find((c) => c.name === name);
  if (!entry) return;
  download(await chartPng(entry.chart, entry.title), `ltvlab-${name}.png`);
}
