import array

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            a = pb_utils.get_input_tensor_by_name(request, "INPUT0")
            b = pb_utils.get_input_tensor_by_name(request, "INPUT1")
            # An absent optional input is None; count what was given and add what is there.
            value = (a.as_memoryview()[0] if a is not None else 0) + (b.as_memoryview()[0] if b is not None else 0)
            present = (a is not None) * 10 + (b is not None)
            responses.append(pb_utils.InferenceResponse([
                pb_utils.Tensor("OUTPUT0", memoryview(array.array("i", [value * 100 + present])))]))
        return responses
