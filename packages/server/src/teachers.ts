/**
 * `@callmos/server/teachers`: the external teachers' adapters, for scoring clips with them directly
 * (the monitor runs them itself when given `teachers` paths). Their models are not shipped: pass the
 * path of your copy. Loading fails with core's ModelLoadError, like the callmos model.
 */
export { DnsmosP835, DNSMOS_WINDOW, type DnsmosScore } from './teachers/dnsmos-p835.js';
export { PlcmosV2, plcmosFeatures } from './teachers/plcmos-v2.js';
