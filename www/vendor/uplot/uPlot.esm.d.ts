// The types of the vendored uPlot.esm.js, for `tsc` only (the browser never
// loads this file): those of the npm package it was copied from.
import uPlot from 'uplot';
export default uPlot;
