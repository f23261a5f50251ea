"""The baseline for scripts/bench-http: what a user would otherwise hand-roll -- CPython's http.server
(threading, HTTP/1.1 keep-alive) answering KServe v2 binary-extension requests by calling model.py in process.

python baseline_server.py PORT MODEL_NAME=MODEL_DIR...   (prints "listening on http://127.0.0.1:PORT")
Each MODEL_DIR holds 1/model.py; triton_python_backend_utils must be importable (PYTHONPATH).
"""

import importlib.util
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import triton_python_backend_utils as pb_utils

MODELS = {}


def load(name, directory):
    spec = importlib.util.spec_from_file_location("model_" + name, directory + "/1/model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = module.TritonPythonModel()
    if hasattr(model, "initialize"):
        model.initialize({"model_name": name, "model_version": "1", "model_instance_name": name + "_0",
                          "model_instance_kind": "CPU", "model_instance_device_id": "0",
                          "model_repository": directory, "model_config": "{}"})
    MODELS[name] = (model, threading.Lock())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Without TCP_NODELAY the separate header and body writes meet delayed ACKs: 40 ms per request.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/v2/health/live":
            self.reply(200, b"")
        else:
            self.reply(404, b'{"error":"Not Found"}')

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        parts = self.path.split("/")
        if len(parts) != 5 or parts[4] != "infer" or parts[3] not in MODELS:
            self.reply(404, b'{"error":"Not Found"}')
            return
        header_length = int(self.headers.get("Inference-Header-Content-Length", len(body)))
        request = json.loads(body[:header_length])
        view = memoryview(body)
        offset = header_length
        inputs = []
        for i in request["inputs"]:
            size = i["parameters"]["binary_data_size"]
            data = view[offset:offset + size]
            offset += size
            fmt = {"FP32": "f", "INT32": "i", "FP64": "d", "UINT8": "B"}[i["datatype"]]
            inputs.append(pb_utils.Tensor(i["name"], data.cast(fmt, i["shape"])))
        model, lock = MODELS[parts[3]]
        infer_request = pb_utils.InferenceRequest(inputs=inputs, requested_output_names=[], model_name=parts[3])
        with lock:
            response = model.execute([infer_request])[0]
        outputs, chunks = [], []
        for t in response.output_tensors():
            chunk = t.as_memoryview().cast("B")
            outputs.append({"name": t.name(), "datatype": t._datatype, "shape": t.shape(),
                            "parameters": {"binary_data_size": chunk.nbytes}})
            chunks.append(chunk)
        header = json.dumps({"model_name": parts[3], "model_version": "1", "outputs": outputs}).encode()
        self.reply(200, b"".join([header] + [bytes(c) for c in chunks]),
                   [("Content-Type", "application/octet-stream"), ("Inference-Header-Content-Length", str(len(header)))])


def main():
    port = int(sys.argv[1])
    for arg in sys.argv[2:]:
        name, _, directory = arg.partition("=")
        load(name, directory)
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
