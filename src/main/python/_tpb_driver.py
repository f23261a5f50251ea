# The Python half of tpb's stub: receives the launcher's messages (docs/protocol.md), loads model.py the way
# Triton's stub does and calls TritonPythonModel's auto_complete_config / initialize / execute / finalize; sends
# responses, BLS requests and model-control calls. The C half (the `_tpb` module) moves messages and shares tensor
# memory; everything here is plain Python.
#
# Threads: one thread at a time receives from the launcher (the Dispatcher's "leader"). The main thread is the leader
# while it is idle and runs what arrives inline; a thread that waits for a reply of the launcher (a BLS response, a
# model-control result) leads meanwhile, and what arrives for the model then runs on a pool thread, so that a model
# waiting for BLS never blocks the requests its call leads to (a model calling itself included).

import asyncio
import atexit
import concurrent.futures
import importlib
import inspect
import json
import marshal
import os
import sys
import threading
import time
import weakref

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
RESPONSE = 10
INFER = 11
INFER_RESPONSE = 12
INFER_CANCEL = 13
CALL = 14
CALL_RESULT = 15
RELEASE = 16
PROTOCOL = 3
# These travel in marshal's version 2 (docs/protocol.md): read and written in C, several times faster than the json
# module, and on every inference's path. The other messages are JSON.
_MARSHAL = frozenset((EXECUTE, EXECUTE_RESULT, RESPONSE, INFER, INFER_RESPONSE, RELEASE))
_REPLIES = frozenset((INFER_RESPONSE, CALL_RESULT))
_FINAL = 1  # TRITONSERVER_RESPONSE_COMPLETE_FINAL
_RESCHEDULE = 2  # TRITONSERVER_REQUEST_RELEASE_RESCHEDULE

_THIS_FILE = os.path.abspath(__file__)
_ENCODER = json.JSONEncoder(separators=(",", ":"))  # made once: json.dumps() with options builds one per call


def _decode(kind, raw):
    if not raw:
        return {}
    return marshal.loads(raw) if kind in _MARSHAL else json.loads(raw)


def send(kind, seq, body, tag=-1):
    """Sends a message. Marshal bodies also carry the launcher memory released since the last one ("unpins") and,
    for an EXECUTE_RESULT (tag = its EXECUTE), the inputs the model still holds ("pins"): added in C, atomically
    with the send."""
    if kind in _MARSHAL:
        _tpb.send_marshal(kind, seq, body, tag)
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
        if os.path.abspath(filename) == _THIS_FILE or filename == _UTILS_FILE[0]:
            continue
        lineno = frame.f_lineno if frame is not frames[-1] else None
        lines.append("  %s(%d): %s" % (filename, lineno or _innermost_line(exc), frame.f_code.co_name))
    if lines:
        text += "\n\nAt:\n" + "\n".join(lines) + "\n"
    return text


_UTILS_FILE = [None]


def _innermost_line(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb.tb_lineno if tb is not None else 0


# ---- receiving ------------------------------------------------------------------------------------------------


class Call:
    """A message this stub sent that the launcher answers: a BLS request (one or more INFER_RESPONSE, the last one
    final) or a model-control CALL (one CALL_RESULT). Replies are queued in arrival order."""

    __slots__ = ("seq", "replies", "finished", "listeners")

    def __init__(self, seq):
        self.seq = seq
        self.replies = []
        self.finished = False
        self.listeners = []

    def add(self, kind, body):
        self.replies.append(body)
        if kind == CALL_RESULT or body.get("final", False):
            self.finished = True
        for listener in list(self.listeners):
            listener(self)


class Dispatcher:
    def __init__(self, handle):
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._waiters = 0  # threads in cond.wait(): only then is notify_all() needed (it costs a Python call)
        self._leading = False
        self._calls = {}
        self._next_seq = 0
        self._handle = handle
        self._pool = None
        self.gone = False  # the launcher closed the connection

    def new_call(self):
        with self._lock:
            self._next_seq += 1
            call = Call(self._next_seq)
            self._calls[call.seq] = call
            return call

    def forget(self, call):
        with self._lock:
            self._calls.pop(call.seq, None)

    def pump(self, until, inline):
        """Receives messages until until() holds (checked under the lock, after each message). Replies go to their
        calls; requests of the launcher are returned to the caller when `inline` (the idle main thread), else run on
        a pool thread. Returns (kind, seq, raw) or None."""
        lock = self._lock
        while True:
            lock.acquire()
            try:
                while self._leading and not until() and not self.gone:
                    self._waiters += 1
                    try:
                        self._cond.wait()
                    finally:
                        self._waiters -= 1
                if until():
                    return None
                if self.gone:
                    raise EOFError("the launcher closed the connection")
                self._leading = True
            finally:
                lock.release()
            try:
                kind, seq, raw = _tpb.recv()
            except EOFError:
                with lock:
                    self.gone = True
                    self._leading = False
                    self._cond.notify_all()
                raise
            call = None
            if kind in _REPLIES:
                body = _decode(kind, raw)
                with lock:
                    call = self._calls.get(seq)
                    if call is not None and (kind == CALL_RESULT or body.get("final", False)):
                        del self._calls[seq]
            self._leading_done()
            if call is not None:
                call.add(kind, body)
                self.wake()
            elif kind in _REPLIES:
                continue
            elif inline:
                return kind, seq, raw
            else:
                self._run_elsewhere(kind, seq, raw)

    def _leading_done(self):
        lock = self._lock
        lock.acquire()
        self._leading = False
        if self._waiters:
            self._cond.notify_all()
        lock.release()

    def wait(self, call, ready):
        """Blocks this thread until ready(call) holds, receiving for everyone meanwhile when nobody else does."""
        self.pump(lambda: ready(call), inline=False)

    def wake(self):
        with self._lock:
            if self._waiters:
                self._cond.notify_all()

    def _run_elsewhere(self, kind, seq, raw):
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="tpb-execute")
        self._pool.submit(self._handle, kind, seq, raw)


class AsyncLoop:
    """The event loop coroutines of the model run on (initialize, execute, finalize), in a thread of its own so that
    the main thread keeps receiving while they wait (as Triton's stub runs its loop in the background)."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="tpb-asyncio", daemon=True)
        self._thread.start()

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)


# ---- requests -------------------------------------------------------------------------------------------------


class RequestState:
    """What a request and its response sender share: the launcher's id for it, its cancellation slot and whether its
    final response has been sent. The fast path (a response returned from execute) makes no lock and no finalizer;
    both come when a request can outlive its execute (a response sender, Stub.keep_open)."""

    # Defaults as class attributes: a new state only sets what differs (it is made for every request).
    sent = 0
    closed = False
    cancelled = False
    rescheduled = False
    lock = None  # made with the request's response sender: only then do other threads share the state

    def __init__(self, rid, slot, decoupled, requested):
        self.rid = rid
        self.slot = slot
        self.decoupled = decoupled
        self.requested = requested

    def is_cancelled(self):
        if not self.cancelled and not self.closed:
            self.cancelled = _tpb.cancelled(self.slot)
        return self.cancelled

    def close(self):
        if not self.closed:
            if self.lock is not None:
                self.cancelled = self.cancelled or _tpb.cancelled(self.slot)  # the slot is reused once complete
            self.closed = True


class _NoLock:
    """The lock of a request that has no response sender: only the thread running execute() touches it."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NO_LOCK = _NoLock()


class Stub:
    def __init__(self, argv):
        (self.model_path, _region, _default_size, _growth, _parent, self.python_lib, _control, self.name,
         self.runtime_modeldir) = argv
        self.model = None
        self.module = None
        self.model_name = self.name
        self.model_version = -1
        self.decoupled = False
        self.stage = "loading"  # loading, auto_complete, initialize, ready, finalize
        self.finalized = False
        self.pb_utils = None
        self.dispatcher = Dispatcher(self.handle)
        self._async = None
        self._async_lock = threading.Lock()
        self._open = set()  # rids of requests that outlived their execute and have no final response yet

    def gone(self):
        return self.dispatcher.gone

    def async_loop(self):
        with self._async_lock:
            if self._async is None:
                self._async = AsyncLoop()
            return self._async

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
                raise RuntimeError("Failed to preinitialize Python stub: Python model file not found in '" + path
                                   + "'")
        sys.path.append(self.python_lib)
        import triton_python_backend_utils as pb_utils

        self.pb_utils = pb_utils
        _UTILS_FILE[0] = pb_utils.__file__
        pb_utils._runtime[0] = self
        pb_utils._model_dir[0] = version_dir
        self.module = importlib.import_module(module_name)
        if not hasattr(self.module, "TritonPythonModel"):
            raise RuntimeError("Python model " + path + " does not define class TritonPythonModel")

    # ---- the launcher's requests ----------------------------------------------------------------------------

    def serve(self):
        """The main thread's loop: lead, run what arrives, until the launcher goes away (or after FINALIZE)."""
        while not self.finalized:
            if _tpb.has_unpins():
                send(RELEASE, 0, {})  # launcher memory the model let go while idle
            try:
                message = self.dispatcher.pump(lambda: self.finalized, inline=True)
            except EOFError:
                if self.finalized:
                    return 0
                sys.stderr.write("Non-graceful termination detected.\n")
                return 1
            if message is None:
                break
            exit_status = self.handle(*message)
            if exit_status is not None:
                return exit_status
        return 0

    def handle(self, kind, seq, raw):
        """Runs one request of the launcher; returns an exit status when the stub should stop."""
        try:
            body = _decode(kind, raw)
        except Exception as exc:
            sys.stderr.write("tpb stub: cannot read message type %d: %s\n" % (kind, exc))
            return 1
        if kind == EXECUTE:
            self.execute(seq, body)
            return None
        if kind == AUTO_COMPLETE:
            return self._reply_sync(AUTO_COMPLETE_RESULT, seq, lambda: self.auto_complete(body), exit_on_error=True)
        if kind == INITIALIZE:
            return self.initialize(seq, body)
        if kind == FINALIZE:
            return self.finalize(seq)
        sys.stderr.write("tpb stub: unexpected message type %d\n" % kind)
        return 1

    def _reply_sync(self, reply, seq, action, exit_on_error):
        try:
            body = action()
            failed = False
        except Exception as exc:
            body = {"error": format_exception(exc)}
            failed = True
        self._send_result(reply, seq, body)
        if failed and exit_on_error:
            return self._exit(1)
        return None

    def _send_result(self, reply, seq, body):
        try:
            send(reply, seq, body)
        except (TypeError, ValueError) as exc:  # a value the message format cannot carry: fail the call, not the stub
            send(reply, seq, {"error": "Failed to send the result of model '" + self.name + "': " + str(exc)})

    def _exit(self, status):
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        return status

    def auto_complete(self, body):
        self.import_model()  # module-level code runs in the "loading" stage, where log lines are not filtered
        self.stage = "auto_complete"
        cls = self.module.TritonPythonModel
        config = body["model_config"]
        if not hasattr(cls, "auto_complete_config"):
            return {"model_config": config}
        wrapped = self.pb_utils.ModelConfig(json.dumps(config))
        result = cls.auto_complete_config(wrapped)
        if not isinstance(result, self.pb_utils.ModelConfig):
            raise RuntimeError("auto_complete_config function in model '" + config.get("name", self.name)
                               + "' must return a valid pb.ModelConfig object.")
        return {"model_config": result.as_dict()}

    def initialize(self, seq, body):
        try:
            self.import_model()
            args = body["args"]
            self.model_name = args.get("model_name", self.name)
            self.model_version = int(args.get("model_version", "-1"))
            self.decoupled = bool(body.get("decoupled", False))
            self.pb_utils._decoupled[0] = self.decoupled
            self.model = self.module.TritonPythonModel()
            if not hasattr(self.model, "execute"):
                raise RuntimeError("Python model " + self.model_path + " does not implement `execute` method.")
            self.stage = "initialize"
            initialize = getattr(self.model, "initialize", None)
            value = initialize(args) if initialize is not None else None
        except Exception as exc:
            self._send_result(INITIALIZE_RESULT, seq, {"error": format_exception(exc)})
            return self._exit(1)
        if inspect.iscoroutine(value):
            # Run it on the loop and answer when it is done; this thread goes on receiving meanwhile.
            self.async_loop().submit(value).add_done_callback(lambda f: self._initialized(seq, f))
            return None
        return self._initialized(seq, None)

    def _initialized(self, seq, future):
        error = None
        if future is not None:
            try:
                future.result()
            except Exception as exc:
                error = format_exception(exc)
        if error is not None:
            self._send_result(INITIALIZE_RESULT, seq, {"error": error})
            # The launcher stops this stub on an initialize error; nothing else to do here.
            return None
        self.stage = "ready"
        self._send_result(INITIALIZE_RESULT, seq, {})
        return None

    def finalize(self, seq):
        self.stage = "finalize"
        value = None
        try:
            finalize = getattr(self.model, "finalize", None) if self.model is not None else None
            if finalize is not None:
                value = finalize()
        except Exception as exc:
            return self._finalized(seq, format_exception(exc))
        if inspect.iscoroutine(value):
            def done(future):
                try:
                    future.result()
                    self._finalized(seq, None)
                except Exception as exc:
                    self._finalized(seq, format_exception(exc))
            self.async_loop().submit(value).add_done_callback(done)
            return None
        return self._finalized(seq, None)

    def _finalized(self, seq, error):
        self._send_result(FINALIZE_RESULT, seq, {} if error is None else {"error": error})
        self.finalized = True
        self._exit(0)
        if threading.current_thread() is not threading.main_thread():
            os._exit(0)  # a coroutine finalize() finished on the loop's thread; the main thread waits in recv()
        return 0

    # ---- execute ------------------------------------------------------------------------------------------

    def execute(self, seq, body):
        started = time.perf_counter_ns()
        result = self._execute(seq, body["requests"], started)
        if result is not None:
            self._end_execute(seq, result, started)

    def _execute(self, seq, wires, started):
        """Runs execute(); returns the EXECUTE_RESULT body, or None when a coroutine will send it."""
        pb = self.pb_utils
        decoupled = self.decoupled
        requests = [pb.InferenceRequest._from_wire(wire, RequestState(wire["rid"], wire["cancel"], decoupled,
                                                                        set(wire["requested_outputs"])),
                                                   seq, self.model_name, self.model_version)
                    for wire in wires]
        try:
            returned = self.model.execute(requests)
            if inspect.iscoroutine(returned):
                future = self.async_loop().submit(returned)
                if self.decoupled:
                    # As Triton: a decoupled coroutine runs in the background; execute is done for the launcher.
                    future.add_done_callback(lambda f: self._background_done(f, requests))
                    return self._result(requests, None)
                future.add_done_callback(lambda f: self._coroutine_done(seq, requests, f, started))
                return None
            return self._result(requests, returned)
        except Exception as exc:
            return self._failed(requests, exc)

    def _coroutine_done(self, seq, requests, future, started):
        try:
            result = self._result(requests, future.result())
        except Exception as exc:
            result = self._failed(requests, exc)
        requests = None
        self._end_execute(seq, result, started)

    def _background_done(self, future, requests):
        exc = future.exception()
        if exc is None:
            return
        message = ("Failed to process the request(s) for model '" + self.name + "', message: "
                   + format_exception(exc))
        self.log("E", message)
        # Triton only logs this, and requests still open never get an answer; tpb answers them with the error.
        for request in requests:
            state = request._state
            with state.lock or _NO_LOCK:
                if state.closed:
                    continue
                state.close()
            self.closed(state)
            self._send_error(state, message)

    def _end_execute(self, seq, result, started):
        result["execute_ns"] = time.perf_counter_ns() - started
        try:
            send(EXECUTE_RESULT, seq, result, seq)
        except (TypeError, ValueError) as exc:  # a value the message format cannot carry: fail the call, not the stub
            for response in result.get("responses") or ():
                for hold in (response or {}).get("holds", ()):
                    _tpb.release(hold)
            send(EXECUTE_RESULT, seq, {"error": "Failed to send the result of model '" + self.name + "': " + str(exc),
                                       "responses": [], "pins": result.get("pins", [])})

    def _result(self, requests, returned):
        """Checks what execute returned as Triton's stub does (Stub::ProcessReturnedResponses) and builds the
        EXECUTE_RESULT: a returned response per request, None where it answers (or answered) through its sender or
        was rescheduled."""
        pb = self.pb_utils
        n = len(requests)
        if returned is None:
            responses = [None] * n  # r24.06+: every request answers through its sender (decoupled: always)
        elif self.decoupled:
            raise pb.TritonModelException("Python model '" + self.name + "' is using the decoupled mode and the "
                                          "execute function must return None.")
        elif not isinstance(returned, list):
            # pybind11's str() of a type: "<class 'str'>"
            raise pb.TritonModelException("Expected a list in the execute return, found type '"
                                          + str(type(returned)) + "'.")
        elif len(returned) != n:
            raise pb.TritonModelException(
                "Number of InferenceResponse objects do not match the number of InferenceRequest objects. "
                "InferenceRequest(s) size is:" + str(n) + ", and InferenceResponse(s) size is:"
                + str(len(returned)) + "\n")
        else:
            responses = returned
        wires = [None] * n
        reschedule = []
        for i, (request, response) in enumerate(zip(requests, responses)):
            state = request._state
            rescheduled = request._release_flags == _RESCHEDULE
            if response is None:
                if rescheduled:
                    state.rescheduled = True
                    reschedule.append(i)
                else:
                    self.keep_open(request, state)
                continue
            if rescheduled:
                raise pb.TritonModelException(
                    "Expected a None object in the execute function return list for reschduled request, found type '"
                    + str(type(response)) + "'.")
            if not isinstance(response, pb.InferenceResponse):
                raise pb.TritonModelException(
                    "Expected an 'InferenceResponse' object in the execute function return list, found type '"
                    + str(type(response)) + "'.")
            # A returned response is a send with the final flag on the request's sender (Triton r24.06+).
            if state.lock is None:
                state.sent = 1
                state.closed = True
            else:
                with state.lock:
                    if state.sent > 0:
                        raise pb.TritonModelException(
                            "Unable to send response. Non-decoupled model cannot send more than one response.")
                    if state.closed:
                        raise pb.TritonModelException("Unable to send response. Response sender has been closed.")
                    state.sent += 1
                    state.close()
            wires[i] = self.response_wire(response, state.requested)
        result = {"error": None, "responses": wires}
        if reschedule:
            result["reschedule"] = reschedule
        return result

    def _failed(self, requests, exc):
        """An error in execute (or in what it returned): every request still open gets it, as in Triton."""
        message = "Failed to process the request(s) for model '" + self.name + "', message: " + format_exception(exc)
        self.log("E", message)
        for request in requests:
            state = request._state
            with state.lock or _NO_LOCK:
                state.rescheduled = False
                state.close()
            self.closed(state)
        return {"error": message, "responses": []}

    def keep_open(self, request, state):
        """A request that answers after execute returned: when the model lets go of it (and of its sender) without a
        final response, the launcher is told, so that its client is not left waiting (Triton would never answer)."""
        with state.lock or _NO_LOCK:
            if state.closed:
                return
            self._open.add(state.rid)
        weakref.finalize(state, self._abandoned, state.rid)

    def closed(self, state):
        self._open.discard(state.rid)

    def _abandoned(self, rid):
        if rid in self._open and not self.gone():
            self._open.discard(rid)
            try:
                send(RESPONSE, rid, {"flags": _FINAL, "response": None, "abandoned": True})
            except Exception:
                pass

    # ---- responses ------------------------------------------------------------------------------------------

    def send_response(self, state, response, flags):
        """InferenceResponseSender.send after its checks: the response (may be None) and the flags to the launcher."""
        wire = None if response is None else self.response_wire(response, state.requested)
        try:
            send(RESPONSE, state.rid, {"flags": flags, "response": wire})
        except (TypeError, ValueError) as exc:
            for hold in (wire or {}).get("holds", ()):
                _tpb.release(hold)
            raise self.pb_utils.TritonModelException("Failed to send the response of model '" + self.name + "': "
                                                     + str(exc))

    def _send_error(self, state, message):
        send(RESPONSE, state.rid, {"flags": _FINAL, "response": {"error": {"message": message, "code": "INTERNAL"},
                                                                 "parameters": "", "outputs": [], "holds": []}})

    def response_wire(self, response, requested):
        error = response.error()
        if error is not None:
            return {"error": {"message": error.message(), "code": error._code_name()}, "parameters": "",
                    "outputs": [], "holds": []}
        outputs = []
        holds = []
        try:
            for tensor in response.output_tensors():
                if not requested or tensor.name() in requested:
                    outputs.append(self.place(tensor, holds))
        except Exception as exc:
            for hold in holds:
                _tpb.release(hold)
            return {"error": {"message": format_exception(exc), "code": "INTERNAL"}, "parameters": "",
                    "outputs": [], "holds": []}
        return {"error": None, "parameters": response.parameters(), "outputs": outputs, "holds": holds}

    def place(self, tensor, holds):
        """A tensor's wire form with its bytes in the heap: pointed at if they already are there (an input, a BLS
        output, an earlier output), else copied into a new block of the stub's (one copy)."""
        pb = self.pb_utils
        datatype = tensor._datatype
        wire = {"name": tensor.name(), "datatype": datatype, "shape": tensor.shape()}
        view = tensor._view
        if view is not None:
            located = (view.offset, view.nbytes)
        elif datatype == "BYTES":
            located = None
        else:
            located = _tpb.locate(tensor._data)
        if located is not None:
            wire["offset"], wire["nbytes"] = located
            block = _tpb.hold(located[0])
            if block >= 0:
                holds.append(block)  # the stub's own memory: one more reference for this response
            return wire
        if datatype == "BYTES":
            items = tensor.as_bytes_list()
            nbytes = sum(4 + len(item) for item in items)
            offset = _tpb.alloc(nbytes)
            holds.append(offset)
            target = memoryview(_tpb.view(offset, nbytes))
            position = 0
            for item in items:
                target[position:position + 4] = len(item).to_bytes(4, "little")
                target[position + 4:position + 4 + len(item)] = item
                position += 4 + len(item)
            wire["offset"], wire["nbytes"] = offset, nbytes
            return wire
        data = tensor._data
        if pb.np is not None and isinstance(data, pb.np.ndarray):
            nbytes = data.nbytes
            offset = _tpb.alloc(nbytes)
            holds.append(offset)
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
            holds.append(offset)
            if nbytes:
                memoryview(_tpb.view(offset, nbytes))[:] = source
        wire["offset"], wire["nbytes"] = offset, nbytes
        return wire

    # ---- calls to the launcher --------------------------------------------------------------------------------

    def check_bls(self):
        if self.stage != "ready":
            raise self.pb_utils.TritonModelException("BLS is only supported during the 'execute' function.")

    def infer(self, request, decoupled):
        """Sends a BLS request (INFER); returns its Call, whose replies are INFER_RESPONSE bodies."""
        holds = []
        inputs = []
        try:
            for tensor in request._inputs:
                inputs.append(self.place(tensor, holds))
        except Exception:
            for hold in holds:
                _tpb.release(hold)
            raise
        call = self.dispatcher.new_call()
        body = {"model": request._model_name, "version": request._model_version, "decoupled": bool(decoupled),
                "request": {"id": request._id, "correlation_id": request._correlation_id, "flags": request._flags,
                            "timeout": request._timeout, "parameters": request._parameters,
                            "requested_outputs": sorted(request._requested), "inputs": inputs},
                "holds": holds}
        try:
            send(INFER, call.seq, body)
        except Exception:
            self.dispatcher.forget(call)
            for hold in holds:
                _tpb.release(hold)
            raise
        return call

    def cancel_infer(self, call):
        send(INFER_CANCEL, call.seq, {})

    def control(self, op, arguments):
        """A model-control call (load_model, unload_model, is_model_ready): waits for its CALL_RESULT."""
        if self.stage in ("auto_complete", "finalize"):
            raise self.pb_utils.TritonModelException(
                "The model loading API is not supported during the 'auto_complete_config' and 'finalize' functions.")
        call = self.dispatcher.new_call()
        body = dict(arguments)
        body["op"] = op
        send(CALL, call.seq, body)
        self.dispatcher.wait(call, lambda c: c.finished)
        return call.replies[-1]

    # ---- logging ---------------------------------------------------------------------------------------------

    def log(self, letter, message):
        """A log line in Triton's format on stderr, which the launcher shows with this instance's name."""
        settings = _tpb.log_settings()
        if not settings & {"I": 1, "W": 2, "E": 4}.get(letter, 1):
            return
        where = "_tpb_driver.py:%d" % sys._getframe(1).f_lineno
        try:
            sys.stderr.write(self.pb_utils._log_line(letter, where, message, settings))
            sys.stderr.flush()
        except Exception:
            pass


def main(argv):
    stub = Stub(argv)
    send(HELLO, 0, {"protocol": PROTOCOL, "python": "%d.%d.%d" % sys.version_info[:3], "pid": os.getpid(),
                    "executable": sys.executable, "prefix": sys.prefix, "error": None})
    status = stub.serve()
    sys.stdout.flush()
    sys.stderr.flush()
    return status
