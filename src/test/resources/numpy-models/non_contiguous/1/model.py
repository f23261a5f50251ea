import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_numpy()
            # Non-contiguous views: tpb must send their values in row-major order.
            responses.append(pb_utils.InferenceResponse([
                pb_utils.Tensor("TRANSPOSED", x.T),
                pb_utils.Tensor("STRIDED", x[:, ::2]),
            ]))
        return responses
