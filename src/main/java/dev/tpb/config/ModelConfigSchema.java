package dev.tpb.config;

import static dev.tpb.config.FieldType.BOOL;
import static dev.tpb.config.FieldType.DOUBLE;
import static dev.tpb.config.FieldType.FLOAT;
import static dev.tpb.config.FieldType.INT32;
import static dev.tpb.config.FieldType.INT64;
import static dev.tpb.config.FieldType.STRING;
import static dev.tpb.config.FieldType.UINT32;
import static dev.tpb.config.FieldType.UINT64;

/**
 * Triton's {@code inference.ModelConfig} (model_config.proto, proto3): every message, field, enum, oneof and
 * map, fields in declaration order. Written from the published schema; a field that is not here is an
 * "unknown field" error, exactly as Triton's parser treats it.
 */
public final class ModelConfigSchema {
    private ModelConfigSchema() {
    }

    public static final EnumType DATA_TYPE = new EnumType("inference.DataType",
            "TYPE_INVALID", "TYPE_BOOL", "TYPE_UINT8", "TYPE_UINT16", "TYPE_UINT32", "TYPE_UINT64", "TYPE_INT8",
            "TYPE_INT16", "TYPE_INT32", "TYPE_INT64", "TYPE_FP16", "TYPE_FP32", "TYPE_FP64", "TYPE_STRING",
            "TYPE_BF16");

    // ModelRateLimiter
    private static final MessageType RESOURCE = new MessageType("inference.ModelRateLimiter.Resource", false,
            scalar("name", 1, STRING), scalar("global", 2, BOOL), scalar("count", 3, UINT32));
    private static final MessageType RATE_LIMITER = new MessageType("inference.ModelRateLimiter", false,
            repeated("resources", 1, RESOURCE), scalar("priority", 2, UINT32));

    // ModelInstanceGroup
    public static final EnumType INSTANCE_KIND = new EnumType("inference.ModelInstanceGroup.Kind",
            "KIND_AUTO", "KIND_GPU", "KIND_CPU", "KIND_MODEL");
    private static final EnumType SECONDARY_DEVICE_KIND = new EnumType(
            "inference.ModelInstanceGroup.SecondaryDevice.SecondaryDeviceKind", "KIND_NVDLA");
    private static final MessageType SECONDARY_DEVICE = new MessageType(
            "inference.ModelInstanceGroup.SecondaryDevice", false,
            enumField("kind", 1, SECONDARY_DEVICE_KIND), scalar("device_id", 2, INT64).jsonString());
    private static final MessageType INSTANCE_GROUP = new MessageType("inference.ModelInstanceGroup", false,
            scalar("name", 1, STRING), enumField("kind", 4, INSTANCE_KIND), scalar("count", 2, INT32),
            message("rate_limiter", 6, RATE_LIMITER), repeated("gpus", 3, INT32),
            repeated("secondary_devices", 8, SECONDARY_DEVICE), repeated("profile", 5, STRING),
            scalar("passive", 7, BOOL), scalar("host_policy", 9, STRING));

    // Inputs and outputs
    private static final MessageType RESHAPE = new MessageType("inference.ModelTensorReshape", false,
            repeated("shape", 1, INT64));
    private static final EnumType FORMAT = new EnumType("inference.ModelInput.Format",
            "FORMAT_NONE", "FORMAT_NHWC", "FORMAT_NCHW");
    private static final MessageType INPUT = new MessageType("inference.ModelInput", false,
            scalar("name", 1, STRING), enumField("data_type", 2, DATA_TYPE), enumField("format", 3, FORMAT),
            repeated("dims", 4, INT64), message("reshape", 5, RESHAPE), scalar("is_shape_tensor", 6, BOOL),
            scalar("allow_ragged_batch", 7, BOOL), scalar("optional", 8, BOOL),
            scalar("is_non_linear_format_io", 9, BOOL));
    private static final MessageType OUTPUT = new MessageType("inference.ModelOutput", false,
            scalar("name", 1, STRING), enumField("data_type", 2, DATA_TYPE), repeated("dims", 3, INT64),
            message("reshape", 5, RESHAPE), scalar("label_filename", 4, STRING), scalar("is_shape_tensor", 6, BOOL),
            scalar("is_non_linear_format_io", 7, BOOL));
    private static final EnumType BATCH_INPUT_KIND = new EnumType("inference.BatchInput.Kind",
            "BATCH_ELEMENT_COUNT", "BATCH_ACCUMULATED_ELEMENT_COUNT", "BATCH_ACCUMULATED_ELEMENT_COUNT_WITH_ZERO",
            "BATCH_MAX_ELEMENT_COUNT_AS_SHAPE", "BATCH_ITEM_SHAPE", "BATCH_ITEM_SHAPE_FLATTEN");
    private static final MessageType BATCH_INPUT = new MessageType("inference.BatchInput", false,
            enumField("kind", 1, BATCH_INPUT_KIND), repeated("target_name", 2, STRING),
            enumField("data_type", 3, DATA_TYPE), repeated("source_input", 4, STRING));
    private static final EnumType BATCH_OUTPUT_KIND = new EnumType("inference.BatchOutput.Kind",
            "BATCH_SCATTER_WITH_INPUT_SHAPE");
    private static final MessageType BATCH_OUTPUT = new MessageType("inference.BatchOutput", false,
            repeated("target_name", 1, STRING), enumField("kind", 2, BATCH_OUTPUT_KIND),
            repeated("source_input", 3, STRING));

    // ModelVersionPolicy
    private static final MessageType LATEST = new MessageType("inference.ModelVersionPolicy.Latest", false,
            scalar("num_versions", 1, UINT32));
    private static final MessageType ALL = new MessageType("inference.ModelVersionPolicy.All", false);
    private static final MessageType SPECIFIC = new MessageType("inference.ModelVersionPolicy.Specific", false,
            repeated("versions", 1, INT64));
    private static final MessageType VERSION_POLICY = new MessageType("inference.ModelVersionPolicy", false,
            message("latest", 1, LATEST).inOneof("policy_choice"), message("all", 2, ALL).inOneof("policy_choice"),
            message("specific", 3, SPECIFIC).inOneof("policy_choice"));

    // ModelOptimizationPolicy
    private static final MessageType GRAPH = new MessageType("inference.ModelOptimizationPolicy.Graph", false,
            scalar("level", 1, INT32));
    private static final EnumType PRIORITY = new EnumType("inference.ModelOptimizationPolicy.ModelPriority",
            "PRIORITY_DEFAULT", "PRIORITY_MAX", "PRIORITY_MIN");
    private static final MessageType SHAPE = new MessageType(
            "inference.ModelOptimizationPolicy.Cuda.GraphSpec.Shape", false, repeated("dim", 1, INT64).jsonString());
    private static final MessageType LOWER_BOUND = new MessageType(
            "inference.ModelOptimizationPolicy.Cuda.GraphSpec.LowerBound", false,
            scalar("batch_size", 1, INT32), map("input", 2, "inference.ModelOptimizationPolicy.Cuda.GraphSpec"
                    + ".LowerBound.InputEntry", STRING, SHAPE));
    private static final MessageType GRAPH_SPEC = new MessageType(
            "inference.ModelOptimizationPolicy.Cuda.GraphSpec", false,
            scalar("batch_size", 1, INT32),
            map("input", 2, "inference.ModelOptimizationPolicy.Cuda.GraphSpec.InputEntry", STRING, SHAPE),
            message("graph_lower_bound", 3, LOWER_BOUND));
    private static final MessageType CUDA = new MessageType("inference.ModelOptimizationPolicy.Cuda", false,
            scalar("graphs", 1, BOOL), scalar("busy_wait_events", 2, BOOL), repeated("graph_spec", 3, GRAPH_SPEC),
            scalar("output_copy_stream", 4, BOOL));
    private static final MessageType ACCELERATOR = new MessageType(
            "inference.ModelOptimizationPolicy.ExecutionAccelerators.Accelerator", false,
            scalar("name", 1, STRING),
            map("parameters", 2, "inference.ModelOptimizationPolicy.ExecutionAccelerators.Accelerator"
                    + ".ParametersEntry", STRING, STRING));
    private static final MessageType EXECUTION_ACCELERATORS = new MessageType(
            "inference.ModelOptimizationPolicy.ExecutionAccelerators", false,
            repeated("gpu_execution_accelerator", 1, ACCELERATOR),
            repeated("cpu_execution_accelerator", 2, ACCELERATOR));
    private static final MessageType PINNED_MEMORY = new MessageType(
            "inference.ModelOptimizationPolicy.PinnedMemoryBuffer", false, scalar("enable", 1, BOOL));
    private static final MessageType OPTIMIZATION = new MessageType("inference.ModelOptimizationPolicy", false,
            message("graph", 1, GRAPH), enumField("priority", 2, PRIORITY), message("cuda", 3, CUDA),
            message("execution_accelerators", 4, EXECUTION_ACCELERATORS),
            message("input_pinned_memory", 5, PINNED_MEMORY), message("output_pinned_memory", 6, PINNED_MEMORY),
            scalar("gather_kernel_buffer_threshold", 7, UINT32), scalar("eager_batching", 8, BOOL));

    // Scheduling
    private static final EnumType TIMEOUT_ACTION = new EnumType("inference.ModelQueuePolicy.TimeoutAction",
            "REJECT", "DELAY");
    private static final MessageType QUEUE_POLICY = new MessageType("inference.ModelQueuePolicy", false,
            enumField("timeout_action", 1, TIMEOUT_ACTION), scalar("default_timeout_microseconds", 2, UINT64),
            scalar("allow_timeout_override", 3, BOOL), scalar("max_queue_size", 4, UINT32));
    private static final MessageType DYNAMIC_BATCHING = new MessageType("inference.ModelDynamicBatching", false,
            repeated("preferred_batch_size", 1, INT32), scalar("max_queue_delay_microseconds", 2, UINT64),
            scalar("preserve_ordering", 3, BOOL), scalar("priority_levels", 4, UINT64),
            scalar("default_priority_level", 5, UINT64), message("default_queue_policy", 6, QUEUE_POLICY),
            map("priority_queue_policy", 7, "inference.ModelDynamicBatching.PriorityQueuePolicyEntry", UINT64,
                    QUEUE_POLICY));
    private static final EnumType CONTROL_KIND = new EnumType("inference.ModelSequenceBatching.Control.Kind",
            "CONTROL_SEQUENCE_START", "CONTROL_SEQUENCE_READY", "CONTROL_SEQUENCE_END", "CONTROL_SEQUENCE_CORRID");
    private static final MessageType CONTROL = new MessageType("inference.ModelSequenceBatching.Control", false,
            enumField("kind", 1, CONTROL_KIND), repeated("int32_false_true", 2, INT32),
            repeated("fp32_false_true", 3, FLOAT), repeated("bool_false_true", 5, BOOL),
            enumField("data_type", 4, DATA_TYPE));
    private static final MessageType CONTROL_INPUT = new MessageType("inference.ModelSequenceBatching.ControlInput",
            false, scalar("name", 1, STRING), repeated("control", 2, CONTROL));
    private static final MessageType INITIAL_STATE = new MessageType(
            "inference.ModelSequenceBatching.InitialState", false,
            enumField("data_type", 1, DATA_TYPE),
            // Triton's JSON fix-up looks for initial_state in the wrong object, so these dims stay strings.
            repeated("dims", 2, INT64).jsonString(),
            scalar("zero_data", 3, BOOL).inOneof("state_data"), scalar("data_file", 4, STRING).inOneof("state_data"),
            scalar("name", 5, STRING));
    private static final MessageType STATE = new MessageType("inference.ModelSequenceBatching.State", false,
            scalar("input_name", 1, STRING), scalar("output_name", 2, STRING), enumField("data_type", 3, DATA_TYPE),
            repeated("dims", 4, INT64), repeated("initial_state", 5, INITIAL_STATE),
            scalar("use_same_buffer_for_input_output", 6, BOOL), scalar("use_growable_memory", 7, BOOL));
    private static final MessageType DIRECT = new MessageType("inference.ModelSequenceBatching.StrategyDirect", false,
            scalar("max_queue_delay_microseconds", 1, UINT64), scalar("minimum_slot_utilization", 2, FLOAT));
    private static final MessageType OLDEST = new MessageType("inference.ModelSequenceBatching.StrategyOldest", false,
            scalar("max_candidate_sequences", 1, INT32), repeated("preferred_batch_size", 2, INT32),
            scalar("max_queue_delay_microseconds", 3, UINT64), scalar("preserve_ordering", 4, BOOL));
    private static final MessageType SEQUENCE_BATCHING = new MessageType("inference.ModelSequenceBatching", false,
            message("direct", 3, DIRECT).inOneof("strategy_choice"),
            message("oldest", 4, OLDEST).inOneof("strategy_choice"),
            scalar("max_sequence_idle_microseconds", 1, UINT64), repeated("control_input", 2, CONTROL_INPUT),
            repeated("state", 5, STATE), scalar("iterative_sequence", 6, BOOL));
    private static final MessageType STEP = new MessageType("inference.ModelEnsembling.Step", false,
            scalar("model_name", 1, STRING), scalar("model_version", 2, INT64),
            map("input_map", 3, "inference.ModelEnsembling.Step.InputMapEntry", STRING, STRING),
            map("output_map", 4, "inference.ModelEnsembling.Step.OutputMapEntry", STRING, STRING),
            scalar("model_namespace", 5, STRING));
    private static final MessageType ENSEMBLING = new MessageType("inference.ModelEnsembling", false,
            repeated("step", 1, STEP), scalar("max_inflight_responses", 2, UINT32));

    // The rest of ModelConfig
    public static final MessageType PARAMETER = new MessageType("inference.ModelParameter", false,
            scalar("string_value", 1, STRING));
    private static final MessageType WARMUP_INPUT = new MessageType("inference.ModelWarmup.Input", false,
            enumField("data_type", 1, DATA_TYPE), repeated("dims", 2, INT64),
            scalar("zero_data", 3, BOOL).inOneof("input_data_type"),
            scalar("random_data", 4, BOOL).inOneof("input_data_type"),
            scalar("input_data_file", 5, STRING).inOneof("input_data_type"));
    private static final MessageType WARMUP = new MessageType("inference.ModelWarmup", false,
            scalar("name", 1, STRING), scalar("batch_size", 2, UINT32),
            map("inputs", 3, "inference.ModelWarmup.InputsEntry", STRING, WARMUP_INPUT), scalar("count", 4, UINT32));
    private static final MessageType OPERATIONS = new MessageType("inference.ModelOperations", false,
            repeated("op_library_filename", 1, STRING));
    private static final MessageType TRANSACTION_POLICY = new MessageType("inference.ModelTransactionPolicy", false,
            scalar("decoupled", 1, BOOL));
    private static final MessageType AGENT = new MessageType("inference.ModelRepositoryAgents.Agent", false,
            scalar("name", 1, STRING),
            map("parameters", 2, "inference.ModelRepositoryAgents.Agent.ParametersEntry", STRING, STRING));
    private static final MessageType AGENTS = new MessageType("inference.ModelRepositoryAgents", false,
            repeated("agents", 1, AGENT));
    private static final MessageType RESPONSE_CACHE = new MessageType("inference.ModelResponseCache", false,
            scalar("enable", 1, BOOL));
    private static final MessageType METRIC_IDENTIFIER = new MessageType(
            "inference.ModelMetrics.MetricControl.MetricIdentifier", false, scalar("family", 1, STRING));
    private static final MessageType HISTOGRAM_OPTIONS = new MessageType(
            "inference.ModelMetrics.MetricControl.HistogramOptions", false, repeated("buckets", 1, DOUBLE));
    private static final MessageType METRIC_CONTROL = new MessageType("inference.ModelMetrics.MetricControl", false,
            message("metric_identifier", 1, METRIC_IDENTIFIER),
            message("histogram_options", 2, HISTOGRAM_OPTIONS).inOneof("metric_options"));
    private static final MessageType METRICS = new MessageType("inference.ModelMetrics", false,
            repeated("metric_control", 1, METRIC_CONTROL));

    public static final MessageType MODEL_CONFIG = new MessageType("inference.ModelConfig", false,
            scalar("name", 1, STRING), scalar("platform", 2, STRING), scalar("backend", 17, STRING),
            scalar("runtime", 25, STRING), message("version_policy", 3, VERSION_POLICY),
            scalar("max_batch_size", 4, INT32), repeated("input", 5, INPUT), repeated("output", 6, OUTPUT),
            repeated("batch_input", 20, BATCH_INPUT), repeated("batch_output", 21, BATCH_OUTPUT),
            message("optimization", 12, OPTIMIZATION),
            message("dynamic_batching", 11, DYNAMIC_BATCHING).inOneof("scheduling_choice"),
            message("sequence_batching", 13, SEQUENCE_BATCHING).inOneof("scheduling_choice"),
            message("ensemble_scheduling", 15, ENSEMBLING).inOneof("scheduling_choice"),
            repeated("instance_group", 7, INSTANCE_GROUP), scalar("default_model_filename", 8, STRING),
            map("cc_model_filenames", 9, "inference.ModelConfig.CcModelFilenamesEntry", STRING, STRING),
            map("metric_tags", 10, "inference.ModelConfig.MetricTagsEntry", STRING, STRING),
            map("parameters", 14, "inference.ModelConfig.ParametersEntry", STRING, PARAMETER),
            repeated("model_warmup", 16, WARMUP), message("model_operations", 18, OPERATIONS),
            message("model_transaction_policy", 19, TRANSACTION_POLICY),
            message("model_repository_agents", 23, AGENTS), message("response_cache", 24, RESPONSE_CACHE),
            message("model_metrics", 26, METRICS));

    private static FieldDef scalar(String name, int number, FieldType type) {
        return new FieldDef(name, number, type, false, null, null, null, type.is64Bit());
    }

    private static FieldDef repeated(String name, int number, FieldType type) {
        return new FieldDef(name, number, type, true, null, null, null, type.is64Bit());
    }

    private static FieldDef repeated(String name, int number, MessageType type) {
        return new FieldDef(name, number, FieldType.MESSAGE, true, null, type, null, false);
    }

    private static FieldDef enumField(String name, int number, EnumType type) {
        return new FieldDef(name, number, FieldType.ENUM, false, type, null, null, false);
    }

    private static FieldDef message(String name, int number, MessageType type) {
        return new FieldDef(name, number, FieldType.MESSAGE, false, null, type, null, false);
    }

    private static FieldDef map(String name, int number, String entryName, FieldType keyType, FieldType valueType) {
        MessageType entry = new MessageType(entryName, true, scalar("key", 1, keyType), scalar("value", 2, valueType));
        return new FieldDef(name, number, FieldType.MESSAGE, true, null, entry, null, false);
    }

    private static FieldDef map(String name, int number, String entryName, FieldType keyType, MessageType value) {
        MessageType entry = new MessageType(entryName, true, scalar("key", 1, keyType), message("value", 2, value));
        return new FieldDef(name, number, FieldType.MESSAGE, true, null, entry, null, false);
    }
}
