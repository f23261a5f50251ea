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

import asyncio
import enum
import json
import os
import struct
import sys
import threading
import time

try:
    import _tpb  # the stub's builtin module

    _tpb_view = _tpb.view
except ImportError:  # imported outside tpb's stub (a linter, a unit test of the model's own)
    _tpb = None
    _tpb_view = None

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
# KServe datatype -> DLPack (type code, bits): kDLInt 0, kDLUInt 1, kDLFloat 2, kDLBfloat 4, kDLBool 6
_DLPACK_TYPES = {
    "BOOL": (6, 8), "UINT8": (1, 8), "UINT16": (1, 16), "UINT32": (1, 32), "UINT64": (1, 64),
    "INT8": (0, 8), "INT16": (0, 16), "INT32": (0, 32), "INT64": (0, 64),
    "FP16": (2, 16), "FP32": (2, 32), "FP64": (2, 64), "BF16": (4, 16),
}
_DATATYPE_BY_DLPACK = {v: k for k, v in _DLPACK_TYPES.items()}
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

    @classmethod
    def _code_of(cls, name):
        return cls._NAMES.index(name) if name in cls._NAMES else cls.INTERNAL

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


def _nested_shape(data, items):
    """The shape of a rectangular nesting of lists of bytes/str; its elements go to items (C order)."""
    if all(isinstance(x, (bytes, str)) for x in data):
        items.extend(_encode_element(x) for x in data)
        return [len(data)]
    if not all(isinstance(x, (list, tuple)) for x in data):
        raise TypeError("Tensor(): a list must hold bytes or str (a BYTES tensor), or lists of them; use a numpy "
                        "array or a memoryview for numbers")
    shapes = [_nested_shape(x, items) for x in data]
    if any(shape != shapes[0] for shape in shapes):
        raise TritonModelException("Tensor(): the nested lists of a BYTES tensor must all have the same shape")
    return [len(data)] + (shapes[0] if shapes else [0])


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
            # Triton needs an array here; tpb also takes a (nested) list of bytes/str: a BYTES tensor whose shape
            # is the nesting's.
            items = []
            self._shape = _nested_shape(data, items)
            self._datatype = "BYTES"
            self._items = items
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
        if isinstance(self._data, np.ndarray):
            return self._data
        source = self._view if self._view is not None else self._data
        return np.frombuffer(source, dtype=_NUMPY_BY_DATATYPE[self._datatype]).reshape(self._shape)

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
        if 0 in self._shape:
            return memoryview(b"").cast(fmt)  # memoryview cannot have a zero in a shape of several dimensions
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
        """A DLPack capsule of the tensor's bytes (zero-copy; every dtype, BF16 included; no numpy needed)."""
        if self._datatype == "BYTES":
            raise TritonModelException("DLPack does not have support for string tensors.")
        code, bits = _DLPACK_TYPES[self._datatype]
        source = self._view if self._view is not None else self._data
        if np is not None and isinstance(source, np.ndarray) and not source.flags.c_contiguous:
            source = np.ascontiguousarray(source)
        elif not isinstance(source, np.ndarray if np is not None else ()) and not memoryview(source).c_contiguous:
            source = memoryview(source).tobytes()
        if _tpb is None:
            raise TritonModelException("to_dlpack() needs tpb's stub")
        return _tpb.to_dlpack(source, code, bits, list(self._shape))

    def __dlpack__(self, stream=None, **kwargs):
        return self.to_dlpack()

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU, device 0

    @staticmethod
    def from_dlpack(name, tensor):
        """A Tensor over the bytes of a DLPack tensor (torch, numpy, another Tensor, or a capsule), without a copy."""
        if not isinstance(name, str):
            raise TypeError("from_dlpack(): incompatible function arguments: name must be a str")
        if name == "":
            raise TritonModelException("Tensor name cannot be an empty string.")
        if hasattr(tensor, "__dlpack__") and hasattr(tensor, "__dlpack_device__"):
            device = tensor.__dlpack_device__()
            if device[0] not in (1, 3):
                raise TritonModelException("DLDevice type " + str(int(device[0])) + " is not support by Python backend.")
            capsule = tensor.__dlpack__()
        elif type(tensor).__name__ == "PyCapsule":
            capsule = tensor
        else:
            raise TritonModelException("Provided tensor is not supported. Tensor must be a DLPack capsule or have "
                                       "`__dlpack__` and `__dlpack_device__` attributes")
        if _tpb is None:
            raise TritonModelException("from_dlpack() needs tpb's stub")
        try:
            code, bits, shape, buffer = _tpb.from_dlpack(capsule)
        except ValueError as e:
            raise TritonModelException(str(e))
        if code == 4 and bits != 16:
            raise TritonModelException("Expected BF16 tensor to have 16 bits, but had: " + str(bits))
        datatype = _DATATYPE_BY_DLPACK.get((code, bits))
        if datatype is None:
            raise TritonModelException("DLPack data type (code " + str(code) + ", " + str(bits) + " bits) is not "
                                       "supported")
        result = Tensor.__new__(Tensor)
        result._name = name
        result._datatype = datatype
        result._shape = list(shape)
        result._view = None
        result._items = None
        result._data = memoryview(buffer)
        return result

    def __repr__(self):
        return "Tensor(name=" + repr(self._name) + ", datatype=" + self._datatype + ", shape=" + repr(self._shape) + ")"


# ---- requests and responses --------------------------------------------------------------------------------

_runtime = [None]  # the stub's driver (_tpb_driver.Stub), set when it imports this module


def _stub():
    stub = _runtime[0]
    if stub is None:
        raise TritonModelException("this needs tpb's stub: the model is not running under tpb run or tpb infer")
    return stub


def _parameters_json(parameters):
    """Triton's PyParametersToJSON: a dict of str keys and bool/int/str values, as a JSON string (None: "{}")."""
    if not parameters:
        if parameters is None or isinstance(parameters, dict):
            return "{}"  # the common case, without json.dumps (a few µs on every response)
    if not isinstance(parameters, dict):
        # pybind11's PyDefaultArgumentToMutableType<py::dict> names the C++ type as the compiler mangles it
        raise TritonModelException("Expect N8pybind114dictE, got " + str(type(parameters)))
    for key, value in parameters.items():
        if not isinstance(key, str):
            raise TritonModelException("Expect parameters keys to have type str, found type " + str(type(key)))
        if not isinstance(value, (bool, int, str)):
            raise TritonModelException(
                "Expect parameters values to have type bool/int/str, found type " + str(type(value)))
    return json.dumps(parameters)


class PreferredMemory:
    def __init__(self, preferred_memory_type, preferred_device_id=0):
        self.preferred_memory_type = preferred_memory_type
        self.preferred_device_id = preferred_device_id


class InferenceTrace:
    def __init__(self, context=None):
        self._context = context

    def get_context(self):
        return self._context


_NO_VALUE = object()


class InferenceRequest:
    """A request of this model's execute(), or one the model builds for BLS (exec / async_exec)."""

    __slots__ = ("_id", "_correlation_id", "_inputs", "_requested", "_model_name", "_model_version", "_flags",
                 "_timeout", "_parameters", "_trace", "_sender", "_release_flags", "_state", "__weakref__",
                 "__dict__")

    def __init__(self, request_id="", correlation_id=0, inputs=_NO_VALUE, requested_output_names=_NO_VALUE,
                 model_name=_NO_VALUE, model_version=-1, flags=0, timeout=0,
                 preferred_memory=None, trace=None, parameters=None):
        # pybind11's argument rules: the three without defaults are required, and None is refused everywhere but
        # in parameters (TypeError: incompatible constructor arguments).
        for value, what in ((inputs, "inputs"), (requested_output_names, "requested_output_names"),
                            (model_name, "model_name")):
            if value is _NO_VALUE or value is None:
                raise TypeError("__init__(): incompatible constructor arguments: '" + what + "' is required")
        for value, what in ((request_id, "request_id"), (correlation_id, "correlation_id"),
                            (model_version, "model_version"), (flags, "flags"), (timeout, "timeout")):
            if value is None:
                raise TypeError("__init__(): incompatible constructor arguments: '" + what + "' must not be None")
        if not isinstance(request_id, str) or not isinstance(model_name, str):
            raise TypeError("__init__(): incompatible constructor arguments: request_id and model_name must be str")
        for value, what in ((model_version, "model_version"), (flags, "flags"), (timeout, "timeout")):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError("__init__(): incompatible constructor arguments: '" + what + "' must be an int")
        if flags < 0 or timeout < 0:
            raise TypeError("__init__(): incompatible constructor arguments: flags and timeout are unsigned")
        if not isinstance(correlation_id, (int, str)) or isinstance(correlation_id, bool):
            raise TritonModelException("Correlation ID must be integer or string")
        if not isinstance(inputs, (list, tuple)) or not isinstance(requested_output_names, (list, tuple, set)):
            raise TypeError("__init__(): incompatible constructor arguments: inputs and requested_output_names "
                            "must be lists")
        for t in inputs:
            if t is None:
                raise TritonModelException("Input tensor for request with id '" + request_id + "' and model name '"
                                           + model_name + "' should not be empty.")
            if not isinstance(t, Tensor):
                raise TypeError("__init__(): incompatible constructor arguments: inputs must be pb_utils.Tensor")
        for name in requested_output_names:
            if not isinstance(name, str):
                raise TypeError("__init__(): incompatible constructor arguments: requested_output_names must be str")
            if name == "":
                raise TritonModelException("Requested output name for request with id '" + request_id
                                           + "' and model name '" + model_name + "' should not be empty.")
        self._id = request_id
        self._correlation_id = correlation_id
        self._inputs = list(inputs)
        self._requested = set(requested_output_names)
        self._model_name = model_name
        self._model_version = model_version
        self._flags = flags
        self._timeout = timeout
        self._parameters = _parameters_json(parameters)
        self._trace = trace if trace is not None else InferenceTrace()
        self._sender = None
        self._release_flags = TRITONSERVER_REQUEST_RELEASE_ALL
        self._state = None

    @classmethod
    def _from_wire(cls, wire, state, tag, model_name, model_version):
        """A request of an EXECUTE: its inputs are views of the launcher's memory (tag: the EXECUTE)."""
        view = _tpb_view
        request = cls.__new__(cls)
        request._id = wire.get("id", "")
        request._correlation_id = wire.get("correlation_id", 0)
        request._inputs = [Tensor._from_shm(t["name"], t["datatype"], t["shape"],
                                            view(t["offset"], t["nbytes"], 1, tag)) for t in wire["inputs"]]
        request._requested = state.requested
        request._model_name = model_name
        request._model_version = model_version
        request._flags = wire.get("flags", 0)
        request._timeout = wire.get("timeout", 0)
        request._parameters = wire.get("parameters") or "{}"
        request._trace = InferenceTrace()
        request._sender = None
        request._release_flags = TRITONSERVER_REQUEST_RELEASE_ALL
        request._state = state
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
        if self._state is None:
            raise TritonModelException("get_response_sender() is only available on the requests of execute()")
        if self._sender is None:
            if self._state.lock is None:
                self._state.lock = threading.Lock()  # the sender may be used from other threads from now on
            self._sender = InferenceResponseSender(self._state)
        return self._sender

    def is_cancelled(self):
        return self._state is not None and self._state.is_cancelled()

    def set_release_flags(self, flags):
        if flags is None:
            raise TypeError("set_release_flags(): incompatible function arguments: flags must not be None")
        self._release_flags = flags

    def exec(self, decoupled=False):
        """BLS: runs this request on a model of the same server and waits for its response (decoupled=True: an
        iterator over the responses of a decoupled model)."""
        stub = _stub()
        stub.check_bls()
        call = stub.infer(self, decoupled)
        if decoupled:
            return ResponseIterator(stub, call)
        stub.dispatcher.wait(call, lambda c: c.finished)
        return InferenceResponse._from_wire(call.replies[-1].get("response"))

    def async_exec(self, decoupled=False):
        """BLS from `async def execute`: an awaitable of what exec() returns."""
        loop = asyncio.get_running_loop()  # RuntimeError outside a coroutine, as in Triton
        stub = _stub()
        stub.check_bls()
        call = stub.infer(self, decoupled)
        future = loop.create_future()

        def ready(c):
            if c.finished or (decoupled and c.replies):
                c.listeners.remove(ready)
                value = ResponseIterator(stub, c) if decoupled else InferenceResponse._from_wire(
                    c.replies[-1].get("response"))
                loop.call_soon_threadsafe(_resolve, future, value)

        call.listeners.append(ready)
        ready(call)  # a reply may have come already
        return future


def _resolve(future, value):
    if not future.done():
        future.set_result(value)


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
        self._parameters = _parameters_json(parameters)

    @classmethod
    def _from_wire(cls, wire):
        """A BLS response: outputs are views of the launcher's memory, given back when the model lets go of them."""
        response = cls.__new__(cls)
        if wire is None:  # the empty final response of a decoupled model
            response._outputs, response._error, response._parameters = [], None, ""
            return response
        error = wire.get("error")
        if error is not None:
            response._outputs = []
            response._error = TritonError(error.get("message", ""), TritonError._code_of(error.get("code")))
            response._parameters = ""
            return response
        response._outputs = [Tensor._from_shm(t["name"], t["datatype"], t["shape"],
                                              _tpb_view(t["offset"], t["nbytes"], 2))
                             for t in wire.get("outputs", ())]
        response._error = None
        response._parameters = wire.get("parameters") or "{}"
        return response

    def output_tensors(self):
        return list(self._outputs)

    def has_error(self):
        return self._error is not None

    def error(self):
        return self._error

    def parameters(self):
        return self._parameters


class InferenceResponseSender:
    """Sends the responses of one request: any number with decoupled models, exactly one otherwise (Triton >= 24.06),
    the last with TRITONSERVER_RESPONSE_COMPLETE_FINAL."""

    def __init__(self, state):
        self._state = state

    def send(self, response=None, flags=0):
        # Triton's order of checks (response_sender.cc): arguments, then non-decoupled rules, then closed
        if flags not in (0, TRITONSERVER_RESPONSE_COMPLETE_FINAL):
            raise TritonModelException("Unable to send response. Unsupported flag provided.")
        if flags == 0 and response is None:
            raise TritonModelException("Inference Response object must be provided when the response flags is set "
                                       "to zero.")
        if response is not None and not isinstance(response, InferenceResponse):
            raise TypeError("send(): incompatible function arguments: response must be an InferenceResponse, not "
                            + type(response).__name__)
        state = self._state
        with state.lock:
            if not state.decoupled:
                if response is not None and state.sent > 0:
                    raise TritonModelException("Unable to send response. Non-decoupled model cannot send more than "
                                               "one response.")
                if response is None and flags == TRITONSERVER_RESPONSE_COMPLETE_FINAL and state.sent == 0:
                    raise TritonModelException("Unable to send response. Non-decoupled model cannot send complete "
                                               "final before sending a response.")
            if state.closed:
                raise TritonModelException("Unable to send response. Response sender has been closed.")
            state.sent += 1
            if flags == TRITONSERVER_RESPONSE_COMPLETE_FINAL:
                state.close()
        stub = _stub()
        if state.closed:
            stub.closed(state)
        stub.send_response(state, response, flags)

    def is_cancelled(self):
        return self._state.is_cancelled()


class ResponseIterator:
    """The responses of a BLS request to a decoupled model (exec(decoupled=True)), the final one included even when
    it is empty; iterating again once all have come replays them, as Triton's does."""

    def __init__(self, stub, call):
        self._stub = stub
        self._call = call
        self._index = 0
        self._cancelled = False

    def __iter__(self):
        if self._call.finished and self._index >= len(self._call.replies):
            self._index = 0
        return self

    def __next__(self):
        call = self._call
        if self._index >= len(call.replies):
            if call.finished:
                raise StopIteration("Iteration is done for the responses.")
            index = self._index
            self._stub.dispatcher.wait(call, lambda c: len(c.replies) > index or c.finished)
            if self._index >= len(call.replies):
                raise StopIteration("Iteration is done for the responses.")
        reply = call.replies[self._index]
        self._index += 1
        return InferenceResponse._from_wire(reply.get("response"))

    def cancel(self):
        """Asks the launcher to cancel the request (the model decides whether it stops early)."""
        if not self._call.finished and not self._cancelled:
            self._cancelled = True
            self._stub.cancel_infer(self._call)


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


def _log_line(letter, where, message, settings):
    """Triton's log line: "LMMDD hh:mm:ss.uuuuuu pid file:line] msg", or with --log-format ISO8601
    "YYYY-MM-DDThh:mm:ssZ L pid file:line] msg" (UTC, as Triton's logger writes it)."""
    now = time.time()
    if settings & 8:
        return "%s %s %d %s] %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), letter, os.getpid(),
                                      where, message)
    stamp = time.strftime("%m%d %H:%M:%S", time.gmtime(now)) + ".%06d" % int((now % 1) * 1e6)
    return "%s%s %d %s] %s\n" % (letter, stamp, os.getpid(), where, message)


class LogLevel(enum.Enum):
    INFO = 0
    WARNING = 1
    ERROR = 2
    VERBOSE = 3


# Triton prints verbose messages with the letter I; which levels show follows the server's log settings
# (--log-info/--log-warning/--log-error/--log-verbose and /v2/logging), read from the stub's region.
_LOG_LETTERS = ("I", "W", "E", "I")
_LOG_BITS = (1, 2, 4, 0)


class Logger:
    """Writes Triton-style log lines to the stub's stderr; tpb shows them with the instance's name."""
    INFO = LogLevel.INFO
    WARNING = LogLevel.WARNING
    ERROR = LogLevel.ERROR
    VERBOSE = LogLevel.VERBOSE

    @staticmethod
    def log(message, level=LogLevel.INFO):
        if not isinstance(level, LogLevel):
            raise TypeError("log(): incompatible function arguments: level must be a pb_utils.Logger level, not "
                            + type(level).__name__)
        stub = _runtime[0]
        settings = _tpb.log_settings() if _tpb is not None else 7
        # Before initialize() (module level, __init__) Triton's stub writes every line, unfiltered.
        if stub is not None and stub.stage != "loading":
            if level is LogLevel.VERBOSE:
                if settings >> 8 < 1:
                    return
            elif not settings & _LOG_BITS[level.value]:
                return
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename == __file__:
            frame = frame.f_back
        where = (os.path.basename(frame.f_code.co_filename) + ":" + str(frame.f_lineno)) if frame else "?"
        sys.stderr.write(_log_line(_LOG_LETTERS[level.value], where, message, settings))
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


# ---- model control (explicit model control mode) -----------------------------------------------------------


def _control(op, prefix, **arguments):
    reply = _stub().control(op, arguments)
    if reply.get("error") is not None:
        raise TritonModelException(prefix + reply["error"])
    return reply.get("value")


def load_model(model_name, config="", files=None):
    """Loads (or reloads) a model of the repository; config: a model configuration as JSON text, files: a dict of
    "file:<path>" to bytes that replaces the model's directory (config is then required)."""
    if model_name is None or config is None:
        raise TypeError("load_model(): incompatible function arguments: model_name and config must not be None")
    if files is not None and not isinstance(files, dict):
        raise TritonModelException("failed to load model '" + model_name + "', files should be a dictionary of file "
                                   "paths and file contents")
    encoded = None
    if files is not None:
        import base64

        encoded = {}
        for path, content in files.items():
            if not isinstance(path, str) or not isinstance(content, (bytes, bytearray)):
                raise TypeError("load_model(): files must map str paths to bytes")
            encoded[path] = base64.b64encode(bytes(content)).decode("ascii")
    _control("load_model", "Failed to load model: ", name=model_name, config=config, files=encoded)


def unload_model(model_name, unload_dependents=False):
    if model_name is None or unload_dependents is None:
        raise TypeError("unload_model(): incompatible function arguments: model_name must not be None")
    _control("unload_model", "Failed to unload model: ", name=model_name, unload_dependents=bool(unload_dependents))


def is_model_ready(model_name, model_version=""):
    if model_name is None or model_version is None:
        raise TypeError("is_model_ready(): incompatible function arguments: model_name must not be None")
    return bool(_control("is_model_ready", "Failed to check model readiness: ", name=model_name,
                         version=model_version))


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
