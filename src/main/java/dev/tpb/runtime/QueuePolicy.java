package dev.tpb.runtime;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * dynamic_batching's default_queue_policy (model_config.proto ModelQueuePolicy): requests that wait longer than the
 * timeout are rejected with "Request timeout expired" (REJECT) or stay queued (DELAY); a request's own timeout only
 * counts when {@code allowTimeoutOverride}, and only to shorten the default (Triton's PolicyQueue::Enqueue);
 * {@code maxQueueSize} 0 is unbounded.
 */
public record QueuePolicy(Action timeoutAction, long defaultTimeoutMicros, boolean allowTimeoutOverride,
                          int maxQueueSize) {
    public enum Action { REJECT, DELAY }

    public static final QueuePolicy NONE = new QueuePolicy(Action.REJECT, 0, false, 0);

    static QueuePolicy of(JsonNode policy) {
        if (policy == null || !policy.isObject()) {
            return NONE;
        }
        Action action = "DELAY".equals(policy.path("timeout_action").asText("REJECT")) ? Action.DELAY : Action.REJECT;
        long size = policy.path("max_queue_size").asLong(0);
        return new QueuePolicy(action, policy.path("default_timeout_microseconds").asLong(0),
                policy.path("allow_timeout_override").asBoolean(false),
                (int) Math.min(Integer.MAX_VALUE, Math.max(0, size)));
    }
}
