package dev.tpb.ipc;

/** Message types of the stub protocol (docs/protocol.md). */
public enum MessageType {
    WRAP(0), HELLO(1), AUTO_COMPLETE(2), AUTO_COMPLETE_RESULT(3), INITIALIZE(4), INITIALIZE_RESULT(5),
    EXECUTE(6), EXECUTE_RESULT(7), FINALIZE(8), FINALIZE_RESULT(9), RESPONSE(10), INFER(11), INFER_RESPONSE(12),
    INFER_CANCEL(13), CALL(14), CALL_RESULT(15), RELEASE(16);

    public final int code;

    MessageType(int code) {
        this.code = code;
    }

    private static final MessageType[] BY_CODE = values();

    public static MessageType of(int code) {
        if (code >= 0 && code < BY_CODE.length && BY_CODE[code].code == code) {
            return BY_CODE[code];
        }
        throw new dev.tpb.TpbException("the stub sent a message of unknown type " + code);
    }

    /** Bodies in Python's marshal format (the rest are JSON). */
    boolean marshal() {
        return this == EXECUTE || this == EXECUTE_RESULT || this == RESPONSE || this == INFER || this == INFER_RESPONSE
                || this == RELEASE;
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
