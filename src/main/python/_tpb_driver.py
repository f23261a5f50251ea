# The Python half of tpb's stub: receives the launcher's messages (docs/protocol.md), loads model.py the way
# Triton's stub does and calls TritonPythonModel's auto_complete_config / initialize / execute / finalize.
# The C half (the `_tpb` module) moves messages and shares tensor memory; everything here is plain Python.

import asyncio
import atexit
import importlib
import inspect
import json
import marshal
import os
import sys
import time

import _tpb

HELLO = 1
AUTO_COMPLETE = 2
AUTO_COMPLETE_RESULT = 3
INITIALIZE = 4
INITIALIZE_RESULT = 5
EXECUTE = 6
EXECUTE_RESULT = 7
FINALIZE = 8
FINALIZE_RESULT = 9
PROTOCOL = 2
# EXECUTE and EXECUTE_RESULT travel in marshal's version 2 (docs/protocol.md): read and written in C, several times
# faster than the json module, and on every inference's path. The other messages are JSON.
_MARSHAL_VERSION = 2

_THIS_FILE = os.path.abspath(__file__)
_ENCODER = json.JSONEncoder(separators=(",", ":"))  # made once: json.dumps() with options builds one per call


def _decode(kind, raw):
    if not raw:
        return {}
    return marshal.loads(raw) if kind == EXECUTE else json.loads(raw)


def _send(kind, seq, body):
    if kind == EXECUTE_RESULT:
        _tpb.send(kind, seq, marshal.dumps(body, _MARSHAL_VERSION))
    else:
        _tpb.send(kind, seq, _ENCODER.encode(body).encode("utf-8"))


def format_exception(exc):
    """Like Triton's stub (pybind11): "<Type>: <message>", then the model's frames, innermost first."""
    text = type(exc).__name__ + ": " + str(exc)
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    lines = []
    for frame in reversed(frames):
        filename = frame.f_code.co_filename
        if os.path.abspath(filename) == _THIS_FILE:
            continue
        lineno = frame.f_lineno if frame is not frames[-1] else None
        lines.append("  %s(%d): %s" % (filename, lineno or _innermost_line(exc), frame.f_code.co_name))
    if lines:
        text += "\n\nAt:\n" + "\n".join(lines) + "\n"
    return text


def _innermost_line(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_lineno if tb is not None else 0


class Stub:
    def __init__(self, argv):
        (self.model_path, _region, _default_size, _growth, _parent, self.python_lib, _control, self.name,
         self.runtime_modeldir) = argv
        self.model = None
        self.module = None
        self.model_name = self.name
        self.model_version = -1
        self.decoupled = False
        self.loop = None
        self.pb_utils = None

    # ---- loading ---------------------------------------------------------------------------------------

    def import_model(self):
        """Imports model.py as <version>.<stem> with Triton's sys.path order (version dir, model dir,
        python_lib), or <runtime_modeldir>/model.py as `model` for a Python-based backend."""
        if self.module is not None:
            return
        version_dir = os.path.dirname(self.model_path)
        model_dir = os.path.dirname(version_dir)
        if not version_dir or not model_dir:
            raise RuntimeError("Model path does not look right: " + self.model_path)
        if self.runtime_modeldir != "DEFAULT":
            path = os.path.join(self.runtime_modeldir, "model.py")
            module_name = "model"
            sys.path.append(self.runtime_modeldir)
        else:
            path = self.model_path
            module_name = os.path.basename(version_dir) + "." + os.path.splitext(os.path.basename(path))[0]
            sys.path.append(version_dir)
            sys.path.append(model_dir)
        if not os.path.isfile(path):
            raise RuntimeError("Failed to preinitialize Python stub: Python model file not found in '" + path + "'")
        sys.path.append(self.python_lib)
        import triton_python_backend_utils as pb_utils

        self.pb_utils = pb_utils
        self.module = importlib.import_module(module_name)
        pb_utils._model_dir[0] = version_dir
        if not hasattr(self.module, "TritonPythonModel"):
            raise RuntimeError("Python model " + path + " does not define class TritonPythonModel")

    # ---- messages ----------------------------------------------------------------------------------------

    def auto_complete(self, body):
        self.import_model()
        cls = self.module.TritonPythonModel
        config = body["model_config"]
        if not hasattr(cls, "auto_complete_config"):
            return {"model_config": config}
        wrapped = self.pb_utils.ModelConfig(json.dumps(config))
        result = cls.auto_complete_config(wrapped)
        if not isinstance(result, self.pb_utils.ModelConfig):
            raise RuntimeError("auto_complete_config function in model '" + self.name
                               + "' must return a valid pb.ModelConfig object.")
        return {"model_config": result.as_dict()}

    def initialize(self, body):
        self.import_model()
        args = body["args"]
        self.model_name = args.get("model_name", self.name)
        self.model_version = int(args.get("model_version", "-1"))
        self.decoupled = bool(body.get("decoupled", False))
        self.pb_utils._decoupled[0] = self.decoupled
        self.model = self.module.TritonPythonModel()
        if not hasattr(self.model, "execute"):
            raise RuntimeError("Python model " + self.model_path + " does not implement `execute` method.")
        initialize = getattr(self.model, "initialize", None)
        if initialize is not None:
            self._run(initialize(args))
        return {}

    def _run(self, value):
        if inspect.iscoroutine(value):
            if self.loop is None:
                self.loop = asyncio.new_event_loop()
            return self.loop.run_until_complete(value)
        return value

    def execute(self, body):
        started = time.perf_counter_ns()
        pb = self.pb_utils
        _tpb.set_arena(body["arena"])
        result = {"error": None, "responses": []}
        requests = returned = responses = None
        try:
            requests = [pb.InferenceRequest._from_wire(wire, self.model_name, self.model_version, _tpb.view)
                        for wire in body["requests"]]
            returned = self._run(self.model.execute(requests))
            responses = self._check_return(requests, returned)
            result["responses"] = [self._response(request, response) for request, response in
                                   zip(requests, responses)]
        except Exception as exc:  # an error in execute fails every request of the call, as in Triton
            result["error"] = ("Failed to process the request(s) for model '" + self.name + "', message: "
                               + format_exception(exc))
            result["responses"] = []
        finally:
            # Drop every reference we hold, so that only the model's own ones can keep tensors pinned.
            requests = returned = responses = None
        result["pins"], result["unpins"] = _tpb.end_cycle()
        result["execute_ns"] = time.perf_counter_ns() - started
        return result

    def _check_return(self, requests, returned):
        pb = self.pb_utils
        if self.decoupled:
            if returned is not None:
                raise RuntimeError("Python model '" + self.name + "' is using the decoupled mode and the execute "
                                   "function must return None.")
            returned = [None] * len(requests)
        elif not isinstance(returned, list):
            raise RuntimeError("Expected a list in the execute return, found type '" + type(returned).__name__
                               + "'.")
        if len(returned) != len(requests):
            raise RuntimeError("Number of InferenceResponse objects do not match the number of InferenceRequest "
                               "objects. InferenceRequest(s) size is:" + str(len(requests))
                               + ", and InferenceResponse(s) size is:" + str(len(returned)))
        responses = []
        for request, response in zip(requests, returned):
            sender = request._sender
            if response is None and sender is not None and sender._responses:
                response = sender._responses[0]
            if not isinstance(response, pb.InferenceResponse):
                raise RuntimeError("Expected an 'InferenceResponse' object in the execute function return list, "
                                   "found type '" + type(response).__name__ + "'.")
            responses.append(response)
        return responses

    def _response(self, request, response):
        error = response.error()
        if error is not None:
            return {"error": {"message": error.message(), "code": error._code_name()}, "parameters": "",
                    "outputs": []}
        wanted = request.requested_output_names()
        outputs = []
        try:
            for tensor in response.output_tensors():
                if not wanted or tensor.name() in wanted:
                    outputs.append(self._place(tensor))
        except Exception as exc:
            return {"error": {"message": format_exception(exc), "code": "INTERNAL"}, "parameters": "",
                    "outputs": []}
        return {"error": None, "parameters": response.parameters(), "outputs": outputs}

    def _place(self, tensor):
        """Puts a tensor's bytes in the heap (one copy), or points at them if they already are there."""
        pb = self.pb_utils
        datatype = tensor._datatype
        shape = tensor.shape()
        wire = {"name": tensor.name(), "datatype": datatype, "shape": shape}
        if tensor._view is not None:
            wire["offset"], wire["nbytes"] = tensor._view.offset, tensor._view.nbytes
            return wire
        if datatype == "BYTES":
            items = tensor.as_bytes_list()
            nbytes = sum(4 + len(item) for item in items)
            offset = _tpb.alloc(nbytes)
            target = memoryview(_tpb.view(offset, nbytes))
            position = 0
            for item in items:
                target[position:position + 4] = len(item).to_bytes(4, "little")
                target[position + 4:position + 4 + len(item)] = item
                position += 4 + len(item)
            wire["offset"], wire["nbytes"] = offset, nbytes
            return wire
        data = tensor._data
        located = _tpb.locate(data)
        if located is not None:
            wire["offset"], wire["nbytes"] = located
            return wire
        if pb.np is not None and isinstance(data, pb.np.ndarray):
            nbytes = data.nbytes
            offset = _tpb.alloc(nbytes)
            if nbytes:
                target = pb.np.frombuffer(_tpb.view(offset, nbytes), dtype=data.dtype).reshape(data.shape)
                pb.np.copyto(target, data)  # one copy, whatever the strides
        else:
            source = memoryview(data)
            if not source.c_contiguous:
                source = memoryview(source.tobytes())
            source = source.cast("B")
            nbytes = source.nbytes
            offset = _tpb.alloc(nbytes)
            if nbytes:
                memoryview(_tpb.view(offset, nbytes))[:] = source
        wire["offset"], wire["nbytes"] = offset, nbytes
        return wire

    def finalize(self):
        finalize = getattr(self.model, "finalize", None) if self.model is not None else None
        if finalize is not None:
            self._run(finalize())
        return {}


def main(argv):
    stub = Stub(argv)
    _send(HELLO, 0, {"protocol": PROTOCOL, "python": "%d.%d.%d" % sys.version_info[:3], "pid": os.getpid(),
                     "executable": sys.executable, "prefix": sys.prefix, "error": None})
    handlers = {
        AUTO_COMPLETE: (AUTO_COMPLETE_RESULT, stub.auto_complete),
        INITIALIZE: (INITIALIZE_RESULT, stub.initialize),
        EXECUTE: (EXECUTE_RESULT, stub.execute),
        FINALIZE: (FINALIZE_RESULT, lambda body: stub.finalize()),
    }
    while True:
        try:
            kind, seq, raw = _tpb.recv()
        except EOFError:
            sys.stderr.write("Non-graceful termination detected.\n")
            return 1
        if kind not in handlers:
            sys.stderr.write("tpb stub: unexpected message type %d\n" % kind)
            return 1
        reply, handler = handlers[kind]
        failed = False
        try:
            body = handler(_decode(kind, raw))
        except Exception as exc:
            body = {"error": format_exception(exc)}
            failed = True
        try:
            _send(reply, seq, body)
        except (TypeError, ValueError) as exc:  # a value the message format cannot carry: fail the call, not the stub
            error = {"error": "Failed to send the result of model '" + stub.name + "': " + str(exc)}
            if kind == EXECUTE:
                error["pins"], error["unpins"] = body.get("pins", []), body.get("unpins", [])
            _send(reply, seq, error)
            failed = True
        if kind == FINALIZE or (failed and kind in (AUTO_COMPLETE, INITIALIZE)):
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
            return 1 if failed and kind != FINALIZE else 0
