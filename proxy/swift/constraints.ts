/**
 * Swift's limits (the "swift" section of /info) and the /info document itself. Values follow
 * Swift 2.30's defaults; max_file_size comes from the proxy config.
 */
import type { ProxyConfig } from '../config.js';

export interface SwiftConstraints {
  max_file_size: number;
  max_meta_name_length: number;
  max_meta_value_length: number;
  max_meta_count: number;
  max_meta_overall_size: number;
  max_header_size: number;
  max_object_name_length: number;
  container_listing_limit: number;
  account_listing_limit: number;
  max_account_name_length: number;
  max_container_name_length: number;
  extra_header_count: number;
}

export const SLO_LIMITS = Object.freeze({
  max_manifest_segments: 1000,
  max_manifest_size: 8388608,
  min_segment_size: 1,
  yield_frequency: 10,
});

/** The constraints in force for a proxy config. */
export function swiftConstraints(config: Pick<ProxyConfig, 'maxFileSize'>): SwiftConstraints {
  return {
    max_file_size: config.maxFileSize,
    max_meta_name_length: 128,
    max_meta_value_length: 256,
    max_meta_count: 90,
    max_meta_overall_size: 4096,
    max_header_size: 8192,
    max_object_name_length: 1024,
    container_listing_limit: 10000,
    account_listing_limit: 10000,
    max_account_name_length: 256,
    max_container_name_length: 256,
    extra_header_count: 0,
  };
}

/** The GET /info document: capabilities and limits, as Swift clients expect it. */
export function swiftInfo(config: Pick<ProxyConfig, 'maxFileSize'>): Record<string, unknown> {
  return {
    swift: {
      version: '2.30.0',
      ...swiftConstraints(config),
      policies: [{ name: 'Policy-0', default: true }],
      strict_cors_mode: true,
      allow_account_management: false,
      account_autocreate: true,
    },
    slo: { ...SLO_LIMITS },
    dlo: { max_get_time: 86400 },
    tempauth: { account_acls: false },
    s3api: { max_upload_part_num: 10000, max_multi_delete_objects: 1000 },
    strata: { object_checksum: 'xxhash64' },
  };
}
