// Build-time constants, set by esbuild's `define` (see build.mjs), as the C
// preprocessor sets them from the kernel config: `options VIMAGE`, `options VNET_DEBUG`.
declare const VIMAGE: boolean;
declare const VNET_DEBUG: boolean;
