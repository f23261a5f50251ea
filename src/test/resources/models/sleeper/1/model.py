import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        for request in requests:
            time.sleep(pb_utils.get_input_tensor_by_name(request, "SECONDS").as_memoryview()[0])
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(r, "SECONDS").as_memoryview())])
                for r in requests]
