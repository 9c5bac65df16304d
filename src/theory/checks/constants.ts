/**
 * Data of the checks that the browser entry exports too (browser.ts): kept apart from the check
 * modules, which run the real-thread server and so import Node built-ins.
 */

/** The MLP stand-in of the Fig. 3 analog and of the Aji & Heafield analogs (generatedMlp). */
export const FIG3_MODEL = { n: 2000, d: 4, hidden: 16, classes: 4, seed: 11 };

/** Aji & Heafield 2019, Table 2 (t = 0 … 6), as printed (three decimals). */
export const AJI_TABLE2 = {
  constant: { g: [1, 1, 1, 1, 1, 1], m: [0, 0.1, 0.19, 0.271, 0.344, 0.41, 0.469], v: [0, 0.02, 0.04, 0.059, 0.078, 0.096, 0.114], mh: [0, 1, 1, 1, 1, 1, 1], vh: [0, 1, 1, 1, 1, 1, 1], theta: [0, -0.001, -0.002, -0.003, -0.004, -0.005, -0.006] },
  scaled: { g: [0.5, 1.5, 0.5, 1.5, 0.5, 1.5], m: [0, 0.05, 0.195, 0.226, 0.353, 0.368, 0.481], v: [0, 0.005, 0.05, 0.054, 0.098, 0.101, 0.144], mh: [0, 0.5, 1.026, 0.832, 1.026, 0.898, 1.026], vh: [0, 0.25, 1.26, 0.917, 1.26, 1.05, 1.26], theta: [0, -0.001, -0.002, -0.003, -0.004, -0.005, -0.005] },
  'different sign': { g: [-1, 2, -1, 2, -1, 2], m: [0, -0.1, 0.11, -0.001, 0.199, 0.079, 0.271], v: [0, 0.02, 0.1, 0.118, 0.195, 0.211, 0.287], mh: [0, -1, 0.579, -0.004, 0.579, 0.193, 0.579], vh: [0, 1, 2.515, 2, 2.515, 2.2, 2.515], theta: [0, 0.001, 0.001, 0.001, 0.0, 0.0, -0.0] },
};
