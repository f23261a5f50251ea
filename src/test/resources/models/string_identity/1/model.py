import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            tensor = pb_utils.get_input_tensor_by_name(request, "INPUT0")
            items = tensor.as_bytes_list()
            responses.append(pb_utils.InferenceResponse([
                pb_utils.Tensor("OUTPUT0", items),  # empty strings and non-UTF-8 bytes survive
                pb_utils.Tensor("UPPER", [item.upper() for item in items]),
            ]))
        return responses
