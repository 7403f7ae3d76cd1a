/**
 * The messages of the extent Io stream (block.proto): shared by the service definition
 * (block-proto.ts) and the hand-written codec (block-io-codec.ts) without either importing the other.
 */
export interface ExtentRef { device: string; layer: string; index: number }
export interface ExtentState { exists: boolean; generation: number; zeroed: boolean }
export interface ExtentWriteRequest {
  ref: ExtentRef; generation: number; offset: number; data: Buffer; zeroLength: number; fua: boolean;
  extentSize: number;
}
export interface ExtentReadRequest { ref: ExtentRef; offset: number; length: number }
export interface ExtentReadResponse { state: ExtentState; data: Buffer }
/** One request on the Io stream: exactly one of write/read/flush/stat. */
export interface IoRequestMessage {
  id: number; write?: ExtentWriteRequest | null; read?: ExtentReadRequest | null; flush?: FlushRequest | null; stat?: ExtentRef | null;
}
/** One response on the Io stream: `errorCode` (a Strata ErrorCode) empty on success. */
export interface IoResponseMessage { id: number; state: ExtentState | null; data: Buffer; errorCode: string; errorMessage: string }
export interface FlushRequest { refs: ExtentRef[] }
