# The benchmark's tiny model: OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1 (numpy-free; any batch shape).
import array

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            a = pb_utils.get_input_tensor_by_name(request, "INPUT0")
            b = pb_utils.get_input_tensor_by_name(request, "INPUT1")
            shape = a.shape()
            x = a.as_memoryview().cast("B").cast("f")
            y = b.as_memoryview().cast("B").cast("f")
            total = array.array("f", [p + q for p, q in zip(x, y)])
            diff = array.array("f", [p - q for p, q in zip(x, y)])
            responses.append(pb_utils.InferenceResponse([
                pb_utils.Tensor("OUTPUT0", memoryview(total).cast("B").cast("f", shape)),
                pb_utils.Tensor("OUTPUT1", memoryview(diff).cast("B").cast("f", shape)),
            ]))
        return responses
