import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        mode = pb_utils.get_input_tensor_by_name(requests[0], "MODE").as_bytes_list()[0]
        if mode == b"none":
            return None
        if mode == b"list_of_none":
            return [None] * len(requests)
        if mode == b"too_many":
            return [pb_utils.InferenceResponse([])] * (len(requests) + 1)
        return "not a list"
