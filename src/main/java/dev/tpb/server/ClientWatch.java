package dev.tpb.server;

/**
 * Lets a handler know when the client of a request it answers later goes away (the connection reached end-of-file or
 * failed while the answer was pending), so that the request can be cancelled.
 */
public final class ClientWatch {
    private volatile Runnable onGone;
    private volatile boolean gone;

    public void onGone(Runnable action) {
        onGone = action;
        if (gone) {
            action.run();
        }
    }

    void gone() {
        if (!gone) {
            gone = true;
            Runnable action = onGone;
            if (action != null) {
                action.run();
            }
        }
    }

    /** Nothing to watch: the answer is written before the connection reads again. */
    void done() {
        onGone = null;
    }
}
