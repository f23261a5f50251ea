"""A KServe v2 HTTP client written with the Python standard library only, sending and reading exactly what
tritonclient.http does (binary tensor data by default, Inference-Header-Content-Length only when an input is
binary, no Content-Type, gzip/deflate request and response compression, the response walked output by output
summing binary_data_size). Run: python tritonclient_like.py HOST:PORT -- it checks a tpb server serving
add_sub, string_identity, response_parameters and error_code, and prints "ok <n> checks"."""

import gzip
import http.client
import json
import struct
import sys
import zlib

_FORMATS = {"BOOL": "?", "UINT8": "B", "UINT16": "H", "UINT32": "I", "UINT64": "Q", "INT8": "b", "INT16": "h",
            "INT32": "i", "INT64": "q", "FP16": "e", "FP32": "f", "FP64": "d"}
_RESERVED = ("sequence_id", "sequence_start", "sequence_end", "priority", "timeout", "headers", "binary_data_output")


class InferenceServerException(Exception):
    def __init__(self, msg, status=None):
        self._msg = msg
        self._status = status

    def __str__(self):
        return "[" + str(self._status) + "] " + self._msg if self._status is not None else self._msg

    def message(self):
        return self._msg

    def status(self):
        return self._status


def serialize_byte_tensor(items):
    out = b""
    for item in items:
        b = item.encode("utf-8") if isinstance(item, str) else bytes(item)
        out += struct.pack("<I", len(b)) + b
    return out


def deserialize_bytes_tensor(buffer):
    items, offset = [], 0
    while offset < len(buffer):
        (length,) = struct.unpack_from("<I", buffer, offset)
        offset += 4
        items.append(bytes(buffer[offset:offset + length]))
        offset += length
    return items


def _count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class InferInput:
    def __init__(self, name, shape, datatype):
        self._name, self._shape, self._datatype = name, list(shape), datatype
        self._parameters, self._data, self._raw_data = {}, None, None

    def set_data(self, values, binary_data=True):
        """values: a flat row-major list (str/bytes for BYTES)."""
        if self._datatype == "BF16" and not binary_data:
            raise InferenceServerException("BF16 inputs must be sent as binary data over HTTP. Please set binary_data=True")
        self._parameters.pop("binary_data_size", None)
        self._raw_data, self._data = None, None
        if binary_data:
            if self._datatype == "BYTES":
                self._raw_data = serialize_byte_tensor(values)
            else:
                self._raw_data = struct.pack("<%d%s" % (len(values), _FORMATS[self._datatype]), *values)
            self._parameters["binary_data_size"] = len(self._raw_data)
        else:
            if self._datatype == "BYTES":
                self._data = [v.decode("utf-8") if isinstance(v, bytes) else v for v in values]
            else:
                self._data = list(values)
        return self

    def _get_binary_data(self):
        return self._raw_data

    def _get_tensor(self):
        tensor = {"name": self._name, "shape": self._shape, "datatype": self._datatype}
        if self._parameters:
            tensor["parameters"] = self._parameters
        if self._raw_data is None and self._data is not None:
            tensor["data"] = self._data
        return tensor


class InferRequestedOutput:
    def __init__(self, name, binary_data=True, class_count=0):
        self._name = name
        self._parameters = {}
        if class_count != 0:
            self._parameters["classification"] = class_count
        self._parameters["binary_data"] = binary_data

    def _get_tensor(self):
        tensor = {"name": self._name}
        if self._parameters:
            tensor["parameters"] = self._parameters
        return tensor


class InferResult:
    def __init__(self, body, header_length):
        if header_length is None:
            self._result, self._buffer = json.loads(body), b""
        else:
            self._result, self._buffer = json.loads(body[:header_length]), body[header_length:]
        self._offsets = {}
        index = 0
        for output in self._result.get("outputs", []):
            parameters = output.get("parameters")
            if parameters is not None:
                size = parameters.get("binary_data_size")
                if size is not None:
                    self._offsets[output["name"]] = (index, size)
                    index += size

    def get_response(self):
        return self._result

    def get_output(self, name):
        for output in self._result.get("outputs", []):
            if output["name"] == name:
                return output
        return None

    def as_list(self, name):
        """(shape, flat values) of an output: bytes objects for BYTES from binary, str from JSON."""
        output = self.get_output(name)
        if output is None:
            return None
        shape, datatype = output["shape"], output["datatype"]
        if name in self._offsets:
            start, size = self._offsets[name]
            chunk = self._buffer[start:start + size]
            if datatype == "BYTES":
                values = deserialize_bytes_tensor(chunk) if size else []
            else:
                values = list(struct.unpack("<%d%s" % (_count(shape), _FORMATS[datatype]), chunk))
        else:
            values = output["data"]
        return shape, values


class InferenceServerClient:
    def __init__(self, url, verbose=False):
        if "://" in url:
            raise InferenceServerException("url should not include the scheme")
        host, _, port = url.partition(":")
        self._connection = http.client.HTTPConnection(host, int(port), timeout=60)

    def _request(self, method, path, body=None, headers=None):
        self._connection.request(method, "/" + path, body=body, headers=headers or {})
        response = self._connection.getresponse()
        return response, response.read()

    @staticmethod
    def _raise_if_error(response, body):
        if response.status != 200:
            if not body:
                raise InferenceServerException("client received an empty response from the server.", response.status)
            raise InferenceServerException(json.loads(body).get("error", body.decode()), response.status)

    def is_server_live(self):
        return self._request("GET", "v2/health/live")[0].status == 200

    def is_server_ready(self):
        return self._request("GET", "v2/health/ready")[0].status == 200

    def is_model_ready(self, model_name, model_version=""):
        path = "v2/models/" + model_name + ("/versions/" + model_version if model_version else "") + "/ready"
        return self._request("GET", path)[0].status == 200

    def get_model_metadata(self, model_name):
        response, body = self._request("GET", "v2/models/" + model_name)
        self._raise_if_error(response, body)
        return json.loads(body)

    def get_model_config(self, model_name):
        response, body = self._request("GET", "v2/models/" + model_name + "/config")
        self._raise_if_error(response, body)
        return json.loads(body)

    def infer(self, model_name, inputs, model_version="", outputs=None, request_id="", sequence_id=0,
              sequence_start=False, sequence_end=False, priority=0, timeout=None, parameters=None,
              request_compression_algorithm=None, response_compression_algorithm=None):
        request, parameters_out = {}, {}
        if request_id != "":
            request["id"] = request_id
        if sequence_id != 0 and sequence_id != "":
            parameters_out.update(sequence_id=sequence_id, sequence_start=sequence_start, sequence_end=sequence_end)
        if priority != 0:
            parameters_out["priority"] = priority
        if timeout is not None:
            parameters_out["timeout"] = timeout
        request["inputs"] = [i._get_tensor() for i in inputs]
        if outputs:
            request["outputs"] = [o._get_tensor() for o in outputs]
        else:
            parameters_out["binary_data_output"] = True
        for key, value in (parameters or {}).items():
            if key in _RESERVED or key.startswith("triton_"):
                raise InferenceServerException('Parameter "' + key + '" is a reserved parameter and cannot be specified.')
            parameters_out[key] = value
        if parameters_out:
            request["parameters"] = parameters_out
        body = json.dumps(request)
        json_size = len(body)
        binary = None
        for i in inputs:
            raw = i._get_binary_data()
            if raw is not None:
                binary = raw if binary is None else binary + raw
        body = body.encode() + binary if binary is not None else body.encode()
        headers = {}
        if request_compression_algorithm == "gzip":
            headers["Content-Encoding"] = "gzip"
            body = gzip.compress(body)
        elif request_compression_algorithm == "deflate":
            headers["Content-Encoding"] = "deflate"
            body = zlib.compress(body)
        if response_compression_algorithm in ("gzip", "deflate"):
            headers["Accept-Encoding"] = response_compression_algorithm
        if binary is not None:
            headers["Inference-Header-Content-Length"] = json_size
        path = "v2/models/" + model_name + ("/versions/" + model_version if model_version else "") + "/infer"
        response, data = self._request("POST", path, body, headers)
        encoding = response.getheader("Content-Encoding")
        if encoding == "gzip":
            data = gzip.decompress(data)
        elif encoding == "deflate":
            data = zlib.decompress(data)
        self._raise_if_error(response, data)
        header_length = response.getheader("Inference-Header-Content-Length")
        return InferResult(data, int(header_length) if header_length is not None else None)


def main():
    client = InferenceServerClient(sys.argv[1])
    checks = [0]

    def check(condition, what):
        if not condition:
            raise AssertionError(what)
        checks[0] += 1

    check(client.is_server_live(), "live")
    check(client.is_server_ready(), "ready")
    check(client.is_model_ready("add_sub"), "add_sub ready")
    check(not client.is_model_ready("nope"), "unknown model not ready")
    meta = client.get_model_metadata("add_sub")
    check(meta["name"] == "add_sub" and meta["versions"] == ["1"], "metadata " + str(meta))
    check(client.get_model_config("add_sub")["input"][0]["data_type"] == "TYPE_FP32", "config")

    # The defaults: binary inputs, no outputs named, so every output comes back binary.
    a = InferInput("INPUT0", [4], "FP32").set_data([1.0, 2.0, 3.0, 4.0])
    b = InferInput("INPUT1", [4], "FP32").set_data([0.5, 0.5, 0.5, 0.5])
    result = client.infer("add_sub", [a, b], request_id="abc")
    response = result.get_response()
    check(response["id"] == "abc" and response["model_version"] == "1", "id and version " + str(response))
    check(all("data" not in o for o in response["outputs"]), "binary outputs by default")
    check(result.as_list("OUTPUT0") == ([4], [1.5, 2.5, 3.5, 4.5]), "OUTPUT0 " + str(result.as_list("OUTPUT0")))
    check(result.as_list("OUTPUT1") == ([4], [0.5, 1.5, 2.5, 3.5]), "OUTPUT1")

    # JSON inputs, one output asked for as JSON.
    a = InferInput("INPUT0", [4], "FP32").set_data([1, 2, 3, 4], binary_data=False)
    b = InferInput("INPUT1", [4], "FP32").set_data([1, 1, 1, 1], binary_data=False)
    result = client.infer("add_sub", [a, b], outputs=[InferRequestedOutput("OUTPUT1", binary_data=False)])
    check([o["name"] for o in result.get_response()["outputs"]] == ["OUTPUT1"], "only OUTPUT1")
    check(result.as_list("OUTPUT1") == ([4], [0.0, 1.0, 2.0, 3.0]), "OUTPUT1 as JSON")

    # Compression both ways, both algorithms.
    for request_algorithm, response_algorithm in (("gzip", "deflate"), ("deflate", "gzip")):
        a = InferInput("INPUT0", [4], "FP32").set_data([2, 2, 2, 2])
        b = InferInput("INPUT1", [4], "FP32").set_data([1, 2, 3, 4])
        result = client.infer("add_sub", [a, b], request_compression_algorithm=request_algorithm,
                              response_compression_algorithm=response_algorithm)
        check(result.as_list("OUTPUT0")[1] == [3.0, 4.0, 5.0, 6.0], request_algorithm + "/" + response_algorithm)

    # BYTES: binary both ways keeps any byte; JSON strings work too.
    items = [b"\xff\x00raw", b"", "ünïcode".encode("utf-8")]
    s = InferInput("INPUT0", [3], "BYTES").set_data(items)
    result = client.infer("string_identity", [s])
    check(result.as_list("OUTPUT0") == ([3], items), "BYTES round trip " + str(result.as_list("OUTPUT0")))
    s = InferInput("INPUT0", [2], "BYTES").set_data(["abc", "dé"], binary_data=False)
    result = client.infer("string_identity", [s], outputs=[InferRequestedOutput("UPPER", binary_data=False)])
    check(result.as_list("UPPER") == ([2], ["ABC", "Dé"]), "BYTES as JSON " + str(result.as_list("UPPER")))

    # Request parameters reach request.parameters(); the model's response parameters come back.
    x = InferInput("IN", [1], "FP32").set_data([1.0])
    result = client.infer("response_parameters", [x], parameters={"greeting": "hello"})
    check(result.get_response()["parameters"] == {"echo": "hello", "count": 3, "flag": True}, "parameters")

    # Errors come back as [status] message.
    try:
        client.infer("nope", [x])
        check(False, "unknown model must fail")
    except InferenceServerException as e:
        check(str(e) == "[404] Request for unknown model: 'nope' is not found", str(e))
    try:
        client.infer("add_sub", [InferInput("INPUT0", [2], "FP32").set_data([1.0, 2.0])])
        check(False, "missing input must fail")
    except InferenceServerException as e:
        check(e.status() == 400 and "missing required inputs ['INPUT1']" in e.message(), str(e))
    try:
        client.infer("error_code", [InferInput("ERROR_CODE", [1], "BYTES").set_data(["UNAVAILABLE"])])
        check(False, "a model error must fail")
    except InferenceServerException as e:
        check(str(e) == "[503] error code: UNAVAILABLE", str(e))
    # The keep-alive connection still works after errors.
    check(client.is_server_live(), "live after errors")
    print("ok %d checks" % checks[0])


if __name__ == "__main__":
    main()
