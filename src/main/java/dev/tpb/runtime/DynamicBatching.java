package dev.tpb.runtime;

import java.util.List;

/** The model's dynamic_batching settings (only present when the configuration has the block). */
public record DynamicBatching(List<Integer> preferredBatchSizes, long maxQueueDelayMicros) {
}
