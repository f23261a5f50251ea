package dev.tpb.runtime;

/**
 * tritonserver's --model-control-mode: {@code none} loads every model at start and refuses load and unload requests;
 * {@code explicit} loads only what --load-model names (or what is asked later) and takes load and unload requests,
 * from HTTP and from Python (pb_utils.load_model). Polling the repository is not implemented.
 */
public enum ModelControlMode { none, explicit }
