# triton_python_backend_utils as tpb's stub provides it: the same API as NVIDIA Triton's python backend
# (Tensor, InferenceRequest, InferenceResponse, TritonError, Logger, ModelConfig, helpers), so a model.py
# written for Triton runs unchanged.
#
# tpb extensions (additive):
# - numpy is optional. Without it, Tensor(name, obj) accepts any buffer-protocol object with a struct
#   format and a shape (memoryview(array.array("f", ...)), bytes, ...) or a list of bytes/str for BYTES, and
#   Tensor.as_memoryview() returns a zero-copy memoryview with the tensor's format and shape.
# - Input tensors are zero-copy views of shared memory: as_numpy() and as_memoryview() read the request's
#   bytes in place. They stay valid as long as you hold them (tpb keeps that memory until you let go).
# - Tensor.as_bytes_list() returns the elements of a BYTES tensor as a list of bytes objects.

import enum
import json
import os
import struct
import sys
import time

try:
    import numpy as np
except ImportError:  # tpb works without numpy: see the notes above
    np = None

TRITONSERVER_REQUEST_FLAG_SEQUENCE_START = 1
TRITONSERVER_REQUEST_FLAG_SEQUENCE_END = 2
TRITONSERVER_RESPONSE_COMPLETE_FINAL = 1
TRITONSERVER_REQUEST_RELEASE_ALL = 1
TRITONSERVER_REQUEST_RELEASE_RESCHEDULE = 2
TRITONSERVER_MEMORY_GPU = 1
TRITONSERVER_MEMORY_CPU = 0

# ---- data types ---------------------------------------------------------------------------------------

# KServe datatype name -> (TRITONSERVER_DataType number, struct format or None, element size or 0)
_DATATYPES = {
    "BOOL": (1, "?", 1),
    "UINT8": (2, "B", 1),
    "UINT16": (3, "H", 2),
    "UINT32": (4, "I", 4),
    "UINT64": (5, "Q", 8),
    "INT8": (6, "b", 1),
    "INT16": (7, "h", 2),
    "INT32": (8, "i", 4),
    "INT64": (9, "q", 8),
    "FP16": (10, "e", 2),
    "FP32": (11, "f", 4),
    "FP64": (12, "d", 8),
    "BYTES": (13, None, 0),
    "BF16": (14, None, 2),
}
_DATATYPE_BY_NUMBER = {number: name for name, (number, _, _) in _DATATYPES.items()}
# struct format of a buffer -> KServe datatype ('l'/'L'/'n'/'N' are 8 bytes on the 64-bit Linux tpb runs on)
_DATATYPE_BY_FORMAT = {
    "?": "BOOL", "B": "UINT8", "H": "UINT16", "I": "UINT32", "Q": "UINT64", "L": "UINT64", "N": "UINT64",
    "b": "INT8", "h": "INT16", "i": "INT32", "q": "INT64", "l": "INT64", "n": "INT64",
    "e": "FP16", "f": "FP32", "d": "FP64", "c": "UINT8",
}

if np is not None:
    TRITON_STRING_TO_NUMPY = {
        "TYPE_BOOL": bool,
        "TYPE_UINT8": np.uint8,
        "TYPE_UINT16": np.uint16,
        "TYPE_UINT32": np.uint32,
        "TYPE_UINT64": np.uint64,
        "TYPE_INT8": np.int8,
        "TYPE_INT16": np.int16,
        "TYPE_INT32": np.int32,
        "TYPE_INT64": np.int64,
        "TYPE_FP16": np.float16,
        "TYPE_FP32": np.float32,
        "TYPE_FP64": np.float64,
        "TYPE_STRING": np.object_,
    }
    _NUMPY_BY_DATATYPE = {
        "BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32, "UINT64": np.uint64,
        "INT8": np.int8, "INT16": np.int16, "INT32": np.int32, "INT64": np.int64,
        "FP16": np.float16, "FP32": np.float32, "FP64": np.float64, "BYTES": np.object_,
    }
else:
    TRITON_STRING_TO_NUMPY = {}
    _NUMPY_BY_DATATYPE = {}


def _require_numpy(what):
    if np is None:
        raise TritonModelException(
            what + " needs numpy, which is not installed in this Python environment; install numpy, or use "
            "Tensor.as_memoryview() / Tensor.as_bytes_list() (tpb extensions that need no numpy)")


def triton_to_numpy_type(data_type):
    _require_numpy("triton_to_numpy_type()")
    name = _DATATYPE_BY_NUMBER.get(data_type)
    if name == "BF16" or name is None:
        return None
    return bool if name == "BOOL" else _NUMPY_BY_DATATYPE[name]


def numpy_to_triton_type(data_type):
    _require_numpy("numpy_to_triton_type()")
    name = _datatype_of_numpy(np.dtype(data_type))
    return None if name is None else _DATATYPES[name][0]


def triton_string_to_numpy(triton_type_string):
    _require_numpy("triton_string_to_numpy()")
    return TRITON_STRING_TO_NUMPY[triton_type_string]


def _datatype_of_numpy(dtype):
    if dtype == np.object_ or dtype.type == np.bytes_:
        return "BYTES"
    for name, np_type in _NUMPY_BY_DATATYPE.items():
        if name != "BYTES" and dtype == np_type:
            return name
    return None


# ---- BYTES -------------------------------------------------------------------------------------------------


def _encode_element(obj):
    if isinstance(obj, bytes):
        return obj
    if np is not None and isinstance(obj, np.bytes_):
        return bytes(obj)
    return str(obj).encode("utf-8")


def serialize_byte_tensor(input_tensor):
    """Each element as a 4-byte little-endian length followed by its bytes, in C order; returns bytes."""
    if np is not None and isinstance(input_tensor, np.ndarray):
        if input_tensor.size == 0:
            return b""
        if input_tensor.dtype != np.object_ and input_tensor.dtype.type != np.bytes_:
            raise TritonModelException("cannot serialize bytes tensor: invalid datatype")
        items = [_encode_element(x) for x in input_tensor.reshape(-1, order="C")]
    else:
        items = [_encode_element(x) for x in input_tensor]
    parts = []
    for item in items:
        parts.append(struct.pack("<I", len(item)))
        parts.append(item)
    return b"".join(parts)


def _split_bytes(buffer):
    view = memoryview(buffer).cast("B")
    items = []
    offset = 0
    end = len(view)
    while offset < end:
        if offset + 4 > end:
            raise TritonModelException("malformed BYTES tensor: truncated length prefix")
        (length,) = struct.unpack_from("<I", view, offset)
        offset += 4
        if offset + length > end:
            raise TritonModelException("malformed BYTES tensor: element runs past the end of the data")
        items.append(bytes(view[offset:offset + length]))
        offset += length
    return items


def deserialize_bytes_tensor(encoded_tensor):
    """The inverse of serialize_byte_tensor: a 1-D numpy object array of bytes."""
    _require_numpy("deserialize_bytes_tensor()")
    items = _split_bytes(encoded_tensor)
    array = np.empty(len(items), dtype=np.object_)
    for i, item in enumerate(items):
        array[i] = item
    return array


# ---- errors ------------------------------------------------------------------------------------------------


class TritonModelException(Exception):
    """Raise it from initialize/execute/finalize to report a model error."""


class TritonError:
    UNKNOWN = 0
    INTERNAL = 1
    NOT_FOUND = 2
    INVALID_ARG = 3
    UNAVAILABLE = 4
    UNSUPPORTED = 5
    ALREADY_EXISTS = 6
    CANCELLED = 7

    _NAMES = ("UNKNOWN", "INTERNAL", "NOT_FOUND", "INVALID_ARG", "UNAVAILABLE", "UNSUPPORTED",
              "ALREADY_EXISTS", "CANCELLED")

    def __init__(self, message, code=INTERNAL):
        if message is None:
            raise TypeError("TritonError(): message must be a str, not None")
        if not isinstance(code, int) or isinstance(code, bool) or not 0 <= code < len(self._NAMES):
            raise TritonModelException("TritonError(): invalid error code " + repr(code))
        self._message = str(message)
        self._code = code

    def message(self):
        return self._message

    def code(self):
        return self._code

    def _code_name(self):
        return self._NAMES[self._code]

    def __repr__(self):
        return "TritonError(" + repr(self._message) + ", " + self._code_name() + ")"

    __str__ = message


# ---- tensors -----------------------------------------------------------------------------------------------


def _product(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def _buffer_info(obj):
    """(datatype, shape) of a buffer-protocol object, from its struct format."""
    view = memoryview(obj)
    fmt = view.format.lstrip("@=<")
    if fmt.startswith(">") or fmt.startswith("!"):
        raise TritonModelException("Tensor data must be little-endian, got format '" + view.format + "'")
    datatype = _DATATYPE_BY_FORMAT.get(fmt)
    if datatype is None or view.itemsize != max(1, _DATATYPES[datatype][2]):
        raise TritonModelException("Tensor data with struct format '" + view.format + "' is not supported")
    return datatype, list(view.shape)


class Tensor:
    """A named tensor. Tensor(name, data): data is a numpy array, a buffer-protocol object (memoryview,
    array.array, bytes) or a list of bytes/str (a BYTES tensor)."""

    __slots__ = ("_name", "_datatype", "_shape", "_view", "_items", "_data", "__weakref__")

    def __init__(self, name, data, /):
        if name is None or data is None:
            raise TypeError("Tensor(): incompatible function arguments: name and data must not be None")
        if not isinstance(name, str):
            raise TypeError("Tensor(): name must be a str, not " + type(name).__name__)
        if name == "":
            raise TritonModelException("Tensor name cannot be an empty string.")
        self._name = str.__str__(name)  # a plain str, as Triton's C++ makes of any str subclass (an enum member...)
        self._view = None  # ShmView for tensors that live in shared memory (inputs)
        self._items = None  # list of bytes for BYTES tensors built from a list
        if np is not None and isinstance(data, np.ndarray):
            datatype = _datatype_of_numpy(data.dtype)
            if datatype is None:
                raise TritonModelException("NumPy dtype is not supported.")
            self._datatype = datatype
            self._shape = list(data.shape)
            self._data = data
        elif isinstance(data, (list, tuple)):
            if not all(isinstance(x, (bytes, str)) for x in data):
                # Triton needs an array here; tpb also takes a list, but only of bytes/str (a BYTES tensor).
                raise TypeError("Tensor(): a list must hold bytes or str (a BYTES tensor); use a numpy array or "
                                "a memoryview for numbers")
            self._datatype = "BYTES"
            self._items = [_encode_element(x) for x in data]
            self._shape = [len(self._items)]
            self._data = None
        else:
            try:
                self._datatype, self._shape = _buffer_info(data)
            except TypeError:
                raise TypeError("Tensor(): data must be a numpy array, a buffer-protocol object or a list of "
                                "bytes, not " + type(data).__name__)
            self._data = data

    @classmethod
    def _from_shm(cls, name, datatype, shape, view):
        tensor = cls.__new__(cls)
        tensor._name = name
        tensor._datatype = datatype
        tensor._shape = list(shape)
        tensor._view = view
        tensor._items = None
        tensor._data = None
        return tensor

    def name(self):
        return self._name

    def shape(self):
        return list(self._shape)

    def triton_dtype(self):
        return _DATATYPES[self._datatype][0]

    def is_cpu(self):
        return True

    def as_numpy(self):
        _require_numpy("Tensor.as_numpy()")
        if self._datatype == "BF16":
            raise TritonModelException(
                "Tensor dtype is BF16 and cannot be converted to NumPy. Use to_dlpack() and from_dlpack() instead.")
        if self._datatype == "BYTES":
            items = self.as_bytes_list()
            array = np.empty(len(items), dtype=np.object_)
            for i, item in enumerate(items):
                array[i] = item
            return array.reshape(self._shape)
        if self._view is not None:
            return np.frombuffer(self._view, dtype=_NUMPY_BY_DATATYPE[self._datatype]).reshape(self._shape)
        if isinstance(self._data, np.ndarray):
            return self._data
        return np.asarray(memoryview(self._data))

    def as_memoryview(self):
        """tpb extension: a zero-copy memoryview with the tensor's struct format and shape (no numpy needed)."""
        fmt = _DATATYPES[self._datatype][1]
        if fmt is None:
            raise TritonModelException(
                "Tensor dtype is " + self._datatype + " and has no memoryview form; use as_bytes_list() for BYTES")
        source = self._view if self._view is not None else self._data
        view = memoryview(source)
        if not view.c_contiguous:
            view = memoryview(view.tobytes())
        return view.cast("B").cast(fmt, self._shape)

    def as_bytes_list(self):
        """tpb extension: the elements of a BYTES tensor, in C order, as bytes objects (no numpy needed)."""
        if self._datatype != "BYTES":
            raise TritonModelException("as_bytes_list() is only for BYTES tensors; this one is " + self._datatype)
        if self._items is not None:
            return list(self._items)
        if self._view is not None:
            return _split_bytes(self._view)
        return [_encode_element(x) for x in self._data.reshape(-1, order="C")]

    def to_dlpack(self):
        if self._datatype == "BYTES":
            raise TritonModelException("DLPack does not have support for string tensors.")
        return self.as_numpy().__dlpack__()

    def __dlpack__(self, stream=None):
        return self.to_dlpack()

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU, device 0

    @staticmethod
    def from_dlpack(name, tensor):
        _require_numpy("Tensor.from_dlpack()")
        source = tensor
        if not hasattr(tensor, "__dlpack__"):
            source = _Capsule(tensor)
        array = np.from_dlpack(source)
        if not array.flags.c_contiguous:
            raise TritonModelException(
                "DLPack tensor is not contiguous. Only contiguous DLPack tensors that are stored in C-Order are "
                "supported.")
        return Tensor(name, array)

    def __repr__(self):
        return "Tensor(name=" + repr(self._name) + ", datatype=" + self._datatype + ", shape=" + repr(self._shape) + ")"


class _Capsule:
    """Lets numpy import a bare DLPack capsule (the old protocol) through the __dlpack__ one."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, stream=None, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)


# ---- requests and responses --------------------------------------------------------------------------------


def _check_parameters(parameters, what):
    if parameters is None:
        return {}
    if isinstance(parameters, str):
        parameters = json.loads(parameters)
    if not isinstance(parameters, dict):
        raise TritonModelException(what + " parameters must be a dict")
    for key, value in parameters.items():
        if not isinstance(key, str):
            raise TritonModelException(
                "Expect parameters keys to have type str, found type " + type(key).__name__)
        if not isinstance(value, (bool, int, str, float)):
            raise TritonModelException(
                "Expect parameters values to have type bool/int/str, found type " + type(value).__name__)
    return parameters


class PreferredMemory:
    def __init__(self, preferred_memory_type=TRITONSERVER_MEMORY_CPU, preferred_device_id=0):
        self.preferred_memory_type = preferred_memory_type
        self.preferred_device_id = preferred_device_id


class InferenceTrace:
    def __init__(self, context=None):
        self._context = context

    def get_context(self):
        return self._context


class InferenceRequest:
    __slots__ = ("_id", "_correlation_id", "_inputs", "_requested", "_model_name", "_model_version", "_flags",
                 "_timeout", "_parameters", "_trace", "_sender", "_release_flags", "__weakref__", "__dict__")

    def __init__(self, request_id="", correlation_id=0, inputs=None, requested_output_names=None,
                 model_name=None, model_version=-1, flags=0, timeout=0, preferred_memory=None, trace=None,
                 parameters=None):
        if inputs is None or requested_output_names is None or model_name is None:
            raise TypeError("InferenceRequest(): inputs, requested_output_names and model_name are required")
        if not isinstance(correlation_id, (int, str)) or isinstance(correlation_id, bool):
            raise TritonModelException("Correlation ID must be integer or string")
        for t in inputs:
            if not isinstance(t, Tensor):
                raise TritonModelException("InferenceRequest(): inputs must be Tensor objects")
        self._id = request_id
        self._correlation_id = correlation_id
        self._inputs = list(inputs)
        self._requested = list(requested_output_names)
        self._model_name = model_name
        self._model_version = model_version
        self._flags = flags
        self._timeout = timeout
        self._parameters = json.dumps(_check_parameters(parameters, "InferenceRequest"))
        self._trace = trace if trace is not None else InferenceTrace()
        self._sender = None
        self._release_flags = TRITONSERVER_REQUEST_RELEASE_ALL

    @classmethod
    def _from_wire(cls, wire, model_name, model_version, view):
        request = cls.__new__(cls)
        request._id = wire.get("id", "")
        request._correlation_id = wire.get("correlation_id", 0)
        request._inputs = [Tensor._from_shm(t["name"], t["datatype"], t["shape"], view(t["offset"], t["nbytes"]))
                           for t in wire["inputs"]]
        request._requested = list(wire.get("requested_outputs", ()))
        request._model_name = model_name
        request._model_version = model_version
        request._flags = wire.get("flags", 0)
        request._timeout = wire.get("timeout", 0)
        request._parameters = wire.get("parameters") or "{}"
        request._trace = InferenceTrace()
        request._sender = None
        request._release_flags = TRITONSERVER_REQUEST_RELEASE_ALL
        return request

    def inputs(self):
        return list(self._inputs)

    def request_id(self):
        return self._id

    def correlation_id(self):
        return self._correlation_id

    def flags(self):
        return self._flags

    def set_flags(self, flags):
        self._flags = flags

    def timeout(self):
        return self._timeout

    def parameters(self):
        return self._parameters

    def trace(self):
        return self._trace

    def requested_output_names(self):
        return set(self._requested)

    def model_name(self):
        return self._model_name

    def model_version(self):
        return self._model_version

    def get_response_sender(self):
        if self._sender is None:
            self._sender = InferenceResponseSender(_decoupled[0])
        return self._sender

    def is_cancelled(self):
        return False

    def set_release_flags(self, flags):
        self._release_flags = flags

    def exec(self, decoupled=False):
        raise TritonModelException("BLS (InferenceRequest.exec) is not supported by tpb yet")

    def async_exec(self, decoupled=False):
        raise TritonModelException("BLS (InferenceRequest.async_exec) is not supported by tpb yet")


_decoupled = [False]  # set by the stub's driver from the model configuration


class InferenceResponse:
    __slots__ = ("_outputs", "_error", "_parameters", "__weakref__", "__dict__")

    def __init__(self, output_tensors=None, error=None, parameters=None):
        if output_tensors is None:
            output_tensors = []
        if not isinstance(output_tensors, (list, tuple)):
            raise TypeError("InferenceResponse(): output_tensors must be a list of Tensor objects")
        for t in output_tensors:
            if t is None:
                raise TritonModelException("InferenceResponse(): output_tensors must not contain None")
            if not isinstance(t, Tensor):
                raise TypeError("InferenceResponse(): output_tensors must be Tensor objects, found "
                                + type(t).__name__)
        if error is not None and not isinstance(error, TritonError):
            raise TypeError("InferenceResponse(): error must be a TritonError, not " + type(error).__name__)
        self._outputs = list(output_tensors)
        self._error = error
        params = _check_parameters(parameters, "InferenceResponse")
        self._parameters = json.dumps(params) if params else ""

    def output_tensors(self):
        return list(self._outputs)

    def has_error(self):
        return self._error is not None

    def error(self):
        return self._error

    def parameters(self):
        return self._parameters


class InferenceResponseSender:
    def __init__(self, decoupled):
        self._decoupled = decoupled
        self._closed = False
        self._responses = []

    def send(self, response=None, flags=0):
        if self._closed:
            raise TritonModelException("Unable to send response. Response sender has been closed.")
        if flags not in (0, TRITONSERVER_RESPONSE_COMPLETE_FINAL):
            raise TritonModelException("Unable to send response. Unsupported flag provided.")
        if flags == 0 and response is None:
            raise TritonModelException("Inference Response object must be provided when the response flags is set "
                                       "to zero.")
        if response is not None and not isinstance(response, InferenceResponse):
            raise TypeError("send(): response must be an InferenceResponse, not " + type(response).__name__)
        if not self._decoupled:
            if response is not None and self._responses:
                raise TritonModelException("Unable to send response. Non-decoupled model cannot send more than "
                                           "one response.")
            if flags == TRITONSERVER_RESPONSE_COMPLETE_FINAL and response is None and not self._responses:
                raise TritonModelException("Unable to send response. Non-decoupled model cannot send complete "
                                           "final before sending a response.")
        if response is not None:
            self._responses.append(response)
        if flags == TRITONSERVER_RESPONSE_COMPLETE_FINAL:
            self._closed = True

    def is_cancelled(self):
        return False


def get_input_tensor_by_name(inference_request, name):
    for tensor in inference_request.inputs():
        if tensor.name() == name:
            return tensor
    return None


def get_output_tensor_by_name(inference_response, name):
    for tensor in inference_response.output_tensors():
        if tensor.name() == name:
            return tensor
    return None


def get_input_config_by_name(model_config, name):
    for entry in model_config.get("input", ()):
        if entry.get("name") == name:
            return entry
    return None


def get_output_config_by_name(model_config, name):
    for entry in model_config.get("output", ()):
        if entry.get("name") == name:
            return entry
    return None


def using_decoupled_model_transaction_policy(model_config):
    return bool(model_config.get("model_transaction_policy", {}).get("decoupled", False))


# ---- logging -----------------------------------------------------------------------------------------------


class LogLevel(enum.Enum):
    INFO = 0
    WARNING = 1
    ERROR = 2
    VERBOSE = 3


class Logger:
    """Writes Triton-style log lines to the stub's stderr; tpb shows them with the instance's name."""
    INFO = LogLevel.INFO
    WARNING = LogLevel.WARNING
    ERROR = LogLevel.ERROR
    VERBOSE = LogLevel.VERBOSE

    @staticmethod
    def log(message, level=LogLevel.INFO):
        if not isinstance(level, LogLevel):
            raise TypeError("log(): level must be a pb_utils.Logger level, not " + type(level).__name__)
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back
        where = (os.path.basename(frame.f_code.co_filename) + ":" + str(frame.f_lineno)) if frame else "?"
        now = time.time()
        stamp = time.strftime("%m%d %H:%M:%S", time.localtime(now)) + ".%06d" % int((now % 1) * 1e6)
        sys.stderr.write("%s%s %d %s] %s\n" % ("IWEV"[level.value], stamp, os.getpid(), where, message))
        sys.stderr.flush()

    @staticmethod
    def log_info(message):
        Logger.log(message, LogLevel.INFO)

    @staticmethod
    def log_warn(message):
        Logger.log(message, LogLevel.WARNING)

    @staticmethod
    def log_error(message):
        Logger.log(message, LogLevel.ERROR)

    @staticmethod
    def log_verbose(message):
        Logger.log(message, LogLevel.VERBOSE)


# ---- metrics (kept in the process: tpb has no metrics endpoint yet) ---------------------------------------


class MetricFamily:
    COUNTER = 0
    GAUGE = 1
    HISTOGRAM = 2

    def __init__(self, name, description, kind):
        if kind not in (self.COUNTER, self.GAUGE, self.HISTOGRAM):
            raise TritonModelException("MetricFamily(): unknown kind " + repr(kind))
        self.name = name
        self.description = description
        self.kind = kind

    def Metric(self, labels=None, buckets=None):
        return _Metric(self.kind, labels or {}, buckets)


class _Metric:
    def __init__(self, kind, labels, buckets):
        self._kind = kind
        self._labels = labels
        self._value = 0.0
        self._observations = []

    def increment(self, value):
        if self._kind == MetricFamily.COUNTER and value < 0:
            raise TritonModelException("a counter cannot be incremented by a negative value")
        self._value += value

    def set(self, value):
        if self._kind != MetricFamily.GAUGE:
            raise TritonModelException("set() is only for gauges")
        self._value = value

    def observe(self, value):
        if self._kind != MetricFamily.HISTOGRAM:
            raise TritonModelException("observe() is only for histograms")
        self._observations.append(value)

    def value(self):
        return self._value


def load_model(model_name, config="", files=None):
    raise TritonModelException("load_model() from Python is not supported by tpb yet")


def unload_model(model_name, unload_dependents=False):
    raise TritonModelException("unload_model() from Python is not supported by tpb yet")


def is_model_ready(model_name, model_version=""):
    raise TritonModelException("is_model_ready() from Python is not supported by tpb yet")


# ---- model configuration (auto_complete_config) ------------------------------------------------------------


class ModelConfig:
    """The model configuration handed to auto_complete_config()."""

    def __init__(self, model_config):
        self._model_config = json.loads(model_config) if isinstance(model_config, (str, bytes)) else model_config

    def as_dict(self):
        return self._model_config

    def _name(self):
        return self._model_config.get("name", "")

    def set_max_batch_size(self, max_batch_size):
        current = self._model_config.get("max_batch_size", 0)
        if current > max_batch_size:
            raise ValueError(
                "configuration specified max_batch_size " + str(current) + ", but in auto-complete-config "
                "function for model '" + self._name() + "' specified max_batch_size " + str(max_batch_size))
        self._model_config["max_batch_size"] = max_batch_size

    def set_dynamic_batching(self):
        for other in ("sequence_batching", "ensemble_scheduling"):
            if other in self._model_config:
                raise ValueError(
                    "Configuration specified scheduling_choice as '" + other + "', but auto-complete-config "
                    "function for model '" + self._name() + "' tries to set scheduling_choice as "
                    "'dynamic_batching'")
        self._model_config.setdefault("dynamic_batching", {})

    def _add_io(self, kind, entry, allowed):
        if not isinstance(entry, dict):
            raise ValueError(kind + " '" + str(entry) + "' in auto-complete-config function for model '"
                             + self._name() + "' must be a dict")
        for key in entry:
            if key not in allowed:
                raise ValueError("Unexpected key '" + key + "' in " + kind + " '" + str(entry)
                                 + "' in auto-complete-config function for model '" + self._name() + "'")
        for key in ("name", "data_type", "dims"):
            if key not in entry:
                raise ValueError(kind + " '" + str(entry) + "' in auto-complete-config function for model '"
                                 + self._name() + "' is missing '" + key + "' property.")
        entries = self._model_config.setdefault(kind, [])
        for existing in entries:
            if existing.get("name") != entry["name"]:
                continue
            old_type = existing.get("data_type", "TYPE_INVALID")
            if old_type not in ("TYPE_INVALID", "") and old_type != entry["data_type"]:
                raise ValueError("unable to load model '" + self._name() + "', configuration expects datatype "
                                 + old_type + " for " + kind + " '" + entry["name"] + "', model provides "
                                 + entry["data_type"])
            old_dims = existing.get("dims", [])
            if old_dims and list(old_dims) != list(entry["dims"]):
                raise ValueError("model '" + self._name() + "', tensor '" + entry["name"] + "': the model expects"
                                 " dims " + str(list(entry["dims"])) + " but the model configuration specifies "
                                 "dims " + str(list(old_dims)))
            if "optional" in entry and existing.get("optional", False) != entry["optional"]:
                raise ValueError("model '" + self._name() + "', tensor '" + entry["name"] + "': the model "
                                 "expects optional " + str(entry["optional"]) + " but the model configuration "
                                 "specifies optional " + str(existing.get("optional", False)))
            existing.update(entry)
            return
        entries.append(dict(entry))

    def add_input(self, input):
        self._add_io("input", input, ("name", "data_type", "dims", "optional"))

    def add_output(self, output):
        self._add_io("output", output, ("name", "data_type", "dims"))

    def set_model_transaction_policy(self, transaction_policy_dict):
        for key in transaction_policy_dict:
            if key != "decoupled":
                raise ValueError("model transaction property in auto-complete-config function for model '"
                                 + self._name() + "' contains property other than 'decoupled'")
        self._model_config.setdefault("model_transaction_policy", {}).update(transaction_policy_dict)


_model_dir = [None]


def get_model_dir():
    """The model's version directory (<model_dir>/<version>), as in Triton."""
    if _model_dir[0] is None:
        raise TritonModelException("get_model_dir() is available once the model has been imported")
    return _model_dir[0]
