package dev.tpb.ipc;

/** A message received from the stub: its type, sequence number and JSON body. */
public record Message(MessageType type, long seq, byte[] body) {
}
