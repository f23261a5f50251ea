package dev.tpb.ipc;

/** Message types of the stub protocol (docs/protocol.md). */
public enum MessageType {
    WRAP(0), HELLO(1), AUTO_COMPLETE(2), AUTO_COMPLETE_RESULT(3), INITIALIZE(4), INITIALIZE_RESULT(5),
    EXECUTE(6), EXECUTE_RESULT(7), FINALIZE(8), FINALIZE_RESULT(9);

    public final int code;

    MessageType(int code) {
        this.code = code;
    }

    public static MessageType of(int code) {
        for (MessageType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown message type " + code);
    }

    /** The result type a request expects. */
    public MessageType result() {
        return switch (this) {
            case AUTO_COMPLETE -> AUTO_COMPLETE_RESULT;
            case INITIALIZE -> INITIALIZE_RESULT;
            case EXECUTE -> EXECUTE_RESULT;
            case FINALIZE -> FINALIZE_RESULT;
            default -> throw new IllegalArgumentException(this + " is not a request");
        };
    }
}
