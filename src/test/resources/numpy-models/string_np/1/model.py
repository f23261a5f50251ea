import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_numpy()
            assert x.dtype == np.object_ and all(isinstance(v, bytes) for v in x.flat), x
            fixed = np.array([v for v in x.flat], dtype=np.bytes_)  # fixed-width bytes (string_fixed)
            responses.append(pb_utils.InferenceResponse([
                pb_utils.Tensor("OUTPUT0", x),
                pb_utils.Tensor("FIXED", fixed),
            ]))
        return responses
