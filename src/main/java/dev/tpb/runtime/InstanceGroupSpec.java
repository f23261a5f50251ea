package dev.tpb.runtime;

/** One instance_group entry: {@code count} instances named {@code <model>_<groupIndex>_<i>}. */
public record InstanceGroupSpec(String name, String kind, int count) {
}
