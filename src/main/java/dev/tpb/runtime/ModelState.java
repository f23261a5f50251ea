package dev.tpb.runtime;

/** Lifecycle states, named as Triton's repository index names them. */
public enum ModelState { LOADING, READY, UNLOADING, UNAVAILABLE }
