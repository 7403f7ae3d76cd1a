/**
 * Loads the storage-node contract (proto/storage.proto) once and exposes its service definitions
 * for grpc-js servers and clients. Field names are camelCase, 64-bit integers plain numbers,
 * defaults filled, oneof fields name their case in the `part`/`entry` property.
 */
import { fileURLToPath } from 'node:url';
import { loadSync } from '@grpc/proto-loader';
import { loadPackageDefinition, type ServiceDefinition, type ServiceClientConstructor, type GrpcObject } from '@grpc/grpc-js';

const PROTO_PATH = fileURLToPath(new URL('./proto/storage.proto', import.meta.url));

const packageDefinition = loadSync(PROTO_PATH, {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

const grpcObject = loadPackageDefinition(packageDefinition) as unknown as { strata: { storage: GrpcObject } };
const pkg = grpcObject.strata.storage;

function service(name: string): ServiceClientConstructor {
  return pkg[name] as ServiceClientConstructor;
}

export const ObjectServiceClient = service('ObjectService');
export const ContainerServiceClient = service('ContainerService');
export const AccountServiceClient = service('AccountService');
export const NodeServiceClient = service('NodeService');
export const ReplicationServiceClient = service('ReplicationService');
export const MovementServiceClient = service('MovementService');

export const objectServiceDefinition: ServiceDefinition = ObjectServiceClient.service;
export const containerServiceDefinition: ServiceDefinition = ContainerServiceClient.service;
export const accountServiceDefinition: ServiceDefinition = AccountServiceClient.service;
export const nodeServiceDefinition: ServiceDefinition = NodeServiceClient.service;
export const replicationServiceDefinition: ServiceDefinition = ReplicationServiceClient.service;
export const movementServiceDefinition: ServiceDefinition = MovementServiceClient.service;

/** gRPC metadata keys of the contract. */
export const PEER_METADATA_KEY = 'x-strata-peer';
export const REQUEST_ID_METADATA_KEY = 'x-request-id';
export const ERROR_CODE_METADATA_KEY = 'x-strata-error-code';
