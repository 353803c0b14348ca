/**
 * Both ends of libvirt's RPC protocol over a byte stream: the packet
 * channel with keepalive, the client (calls, events, streams).
 */
export { CloseReason, PacketChannel, type ChannelHandlers } from './channel.js';
export { RpcClient, type CallOptions, type RpcClientOptions } from './client.js';
export { ClientStream, STREAM_CHUNK, type StreamChunk } from './stream.js';
