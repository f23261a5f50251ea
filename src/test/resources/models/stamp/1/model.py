# Reports when execute() started (STARTED, ns since the epoch), then sleeps SECONDS: for scheduling tests.
import array
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        started = time.time_ns()
        responses = []
        for request in requests:
            time.sleep(pb_utils.get_input_tensor_by_name(request, "SECONDS").as_memoryview()[0])
            stamp = memoryview(array.array("q", [started])).cast("B").cast("q", [1])
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("STARTED", stamp)]))
        return responses
