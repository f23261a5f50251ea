import array
import sys

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        pb_utils.Logger.log_info("add_sub initialized on Python %d.%d" % sys.version_info[:2])

    def execute(self, requests):
        responses = []
        for request in requests:
            a = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_memoryview()
            b = pb_utils.get_input_tensor_by_name(request, "INPUT1").as_memoryview()
            total = array.array("f", (x + y for x, y in zip(a, b)))
            diff = array.array("f", (x - y for x, y in zip(a, b)))
            responses.append(pb_utils.InferenceResponse([
                pb_utils.Tensor("OUTPUT0", memoryview(total)),
                pb_utils.Tensor("OUTPUT1", memoryview(diff)),
            ]))
        return responses
