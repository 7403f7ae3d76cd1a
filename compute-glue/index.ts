/**
 * compute-glue/: the thin OpenStack-compatible control services (identity, image, volume,
 * compute, network). None is built yet; this folder exists so the layer rules already apply to
 * it. May import common/ only; reaches block/ and proxy/ through their network APIs.
 */
export const COMPUTE_GLUE_SERVICES: readonly string[] = [];
