package dev.tpb.ipc;

/**
 * A message received from the stub: its type, sequence number and body; {@code indirect} is where a large body lay in
 * the stub's heap (0 when it came in the ring), a block the launcher gives back once it has read it.
 */
public record Message(MessageType type, long seq, byte[] body, long indirect) {
}
