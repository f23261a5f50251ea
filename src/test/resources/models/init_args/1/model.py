import json

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        self.args = args

    def execute(self, requests):
        # Echo what initialize() received, so the test can check every key and value.
        return [pb_utils.InferenceResponse([pb_utils.Tensor("ARGS", [json.dumps(self.args)])]) for _ in requests]
