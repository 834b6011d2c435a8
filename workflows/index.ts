/** Every workflow the context-packs worker registers. */
export {};
